import AnalystAPI
import AnalystClient
import ArgumentParser
import Foundation

extension Scripts {
    /// `da scripts run NAME` on the server, or `da scripts run --local FILE` on this machine.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Run one of your scripts on the server now, or (--local) a file against your local DuckDB.",
            discussion: """
                On the server the script's output is printed, then a summary on standard error: its exit code, the limit \
                that stopped it, whether it notified (or its cooldown held) and why its last line was not a notification. \
                da ends with 1 when the script failed. --local runs FILE with python3 (or DA_PYTHON) offline against the \
                workspace's user/duckdb/analytics.duckdb (DA_DATABASE, DATA_DIR), streams its output and ends with its status; \
                nothing is notified.
                """)

        @OptionGroup var options: ServerOptions
        @Argument(help: "The script's name (see da scripts list), or with --local the Python file.")
        var target: String
        @Flag(help: "Run the file on this machine against the workspace's DuckDB (offline) instead of on the server.")
        var local = false

        func run() async throws {
            if local { return try await runLocally() }
            try await Scripts.reportingErrors {
                let client = try ScriptsClient(session: options.session())
                let answer = try await client.run(id: try await client.script(named: target).id)
                if options.json {
                    JSONOutput.print(answer)
                } else {
                    Run.show(answer.value)
                }
                if answer.value.exitCode != 0 || answer.value.killedBy != nil { throw ExitCode(1) }
            }
        }

        func runLocally() async throws {
            let session = options.session()
            let runner = LocalScriptRunner(
                workspace: Workspace(path: session.environment.workspace), environment: ProcessInfo.processInfo.environment)
            try await Scripts.reportingErrors {
                let launch = try await runner.prepare(file: target)
                if let warning = launch.warning { Terminal.printError(warning) }
                let outcome = try await runner.run(launch, capture: options.json)
                if options.json {
                    try JSONOutput.print(outcome)
                } else if outcome.status != 0 {
                    let ending = outcome.signal.map { "was stopped by signal \($0)" } ?? "exited with \(outcome.status)"
                    Terminal.printError("\(launch.script.lastPathComponent) \(ending)")
                }
                if outcome.status != 0 { throw ExitCode(outcome.status) }
            }
        }

        /// The script's output as it came (its standard error on ours), then the summary on standard error.
        static func show(_ result: Schemas.ScriptRunResult) {
            if !result.stdout.isEmpty { print(result.stdout, terminator: result.stdout.hasSuffix("\n") ? "" : "\n") }
            if !result.stderr.isEmpty {
                FileHandle.standardError.write(Data((result.stderr + (result.stderr.hasSuffix("\n") ? "" : "\n")).utf8))
            }
            var parts = [String]()
            if let limit = result.killedBy {
                parts.append("stopped by the \(limit.replacingOccurrences(of: "_", with: " ")) limit")
            } else {
                parts.append(result.exitCode.map { "exit \($0)" } ?? "ended by a signal")
            }
            parts.append(Scripts.duration(milliseconds: result.durationMs))
            if result.notified {
                parts.append("notified")
            } else if result.coolingDown {
                parts.append("not notified: its cooldown still holds")
            }
            if result.truncated { parts.append("output cut at 64 KiB") }
            Terminal.printError("\(result.name): " + parts.joined(separator: " · "))
            if let error = result.outputError { Terminal.printError("Its last line is not a notification: \(error)") }
        }
    }
}
