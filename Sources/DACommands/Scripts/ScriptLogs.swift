import AnalystClient
import ArgumentParser

extension Scripts {
    /// `da scripts logs NAME`: a script's runs, newest first.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logs", abstract: "Show a script's runs, newest first.")

        @OptionGroup var options: ServerOptions
        @Argument(help: "The script's name (see da scripts list).")
        var name: String
        @Option(help: "Runs to show at most (1–1000).")
        var limit = 20

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be from 1 to 1000") }
        }

        func run() async throws {
            try await Scripts.reportingErrors {
                let client = try ScriptsClient(session: options.session())
                let answer = try await client.runs(id: try await client.script(named: name).id, limit: limit)
                if options.json { return JSONOutput.print(answer) }
                TextTable.print(
                    ["STARTED", "TRIGGER", "DURATION", "EXIT", "NOTIFIED", "OUTPUT", "ERROR"],
                    answer.value.runs.map { run in
                        [
                            TextTable.time(run.startedAt), run.trigger, Scripts.duration(milliseconds: run.durationMs),
                            run.exitCode.map(String.init) ?? "killed", TextTable.yesNo(run.notified),
                            "\(run.outputBytes) B" + (run.truncated ? " (cut)" : ""), run.error ?? "",
                        ]
                    },
                    empty: "\(name) has not run yet. Run it with: da scripts run \(name)")
            }
        }
    }
}
