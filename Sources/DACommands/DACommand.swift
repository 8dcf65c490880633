import AnalystAPI
import AnalystClient
import ArgumentParser
import Foundation

/// `da`, the root of the command tree.
public struct DACommand: AsyncParsableCommand {
    /// The command's name, help, version and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "da",
        abstract: "AI Data Analyst CLI: sync the data you may see into a local DuckDB and query it offline.",
        discussion: """
            Configuration: \(ClientEnvironment.configurationSummary)
            Exit codes: 0 success, 1 error, 2 usage error.
            """,
        version: AnalystVersion.current,
        subcommands: [
            Auth.self, Login.self, Sync.self, Query.self, Explore.self, Memory.self, Status.self, Diagnose.self, Skills.self, Admin.self,
            Setup.self, Scripts.self, Notifications.self,
        ]
    )

    /// The root command, as ArgumentParser makes it.
    public init() {}

    /// Runs the command the process's arguments name. ArgumentParser exits with 64 on usage errors; `da` keeps the
    /// reference CLI's convention of 2.
    public static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
