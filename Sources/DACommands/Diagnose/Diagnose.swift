import AnalystClient
import ArgumentParser
import Foundation

/// `da diagnose`: check everything `da` depends on and suggest fixes.
struct Diagnose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Check the server, your token, the clock, the local DuckDB, the sync and disk space; suggest fixes.",
        discussion: "Exit code 1 when a check fails (warnings exit 0).")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let session = options.session()
        let workspace = Workspace(path: session.environment.workspace)
        let token = try? session.currentToken()
        let diagnosis = await Diagnosis.run(server: session.server, token: token, workspace: workspace)
        if options.json {
            try JSONOutput.print(diagnosis)
        } else {
            print("Overall: \(diagnosis.overall.rawValue)")
            for check in diagnosis.checks {
                let latency = check.latencyMs.map { String(format: " (%.1f ms)", $0) } ?? ""
                print("  [\(check.status.rawValue.uppercased())] \(check.name): \(check.detail)\(latency)")
            }
            if !diagnosis.suggestedActions.isEmpty {
                print("Suggested actions:")
                for action in diagnosis.suggestedActions { print("  - \(action)") }
            }
        }
        if diagnosis.overall == .fail { throw ExitCode(1) }
    }
}
