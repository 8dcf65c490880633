import AnalystClient
import ArgumentParser

/// `da scripts`: notification scripts that run on the server in its sandbox, on demand or on a schedule, and reach
/// their owner on Telegram or the desktop; `run --local` tries one against the workspace's DuckDB first.
struct Scripts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scripts", abstract: "Deploy, run and follow notification scripts (or run one locally with --local).",
        subcommands: [List.self, Deploy.self, Run.self, Undeploy.self, Logs.self])

    /// Runs a `da scripts` command: a `ClientError` goes to standard error with what to do next, and the command ends
    /// with its exit code (1). A 503 is the server saying scripts cannot run there; its detail says why.
    static func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ClientError {
            Terminal.printError(error.description)
            if case .server(403, _) = error {
                Terminal.printError("Deploying and running scripts needs an analyst account: log in as one with da auth login")
            }
            throw ExitCode(error.exitCode)
        }
    }
}

extension Scripts {
    /// `850 ms`, `12.3 s`, `4 min 5 s`.
    static func duration(milliseconds: Int) -> String {
        if milliseconds < 1_000 { return "\(milliseconds) ms" }
        if milliseconds < 60_000 { return String(format: "%.1f s", Double(milliseconds) / 1_000) }
        return "\(milliseconds / 60_000) min \(milliseconds % 60_000 / 1_000) s"
    }
}
