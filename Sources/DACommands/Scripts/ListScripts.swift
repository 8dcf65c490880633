import AnalystClient
import ArgumentParser

extension Scripts {
    /// `da scripts list`: the caller's scripts (an admin's list has everyone's).
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List your deployed scripts.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await Scripts.reportingErrors {
                let answer = try await ScriptsClient(session: options.session()).list()
                if options.json { return JSONOutput.print(answer) }
                TextTable.print(
                    ["NAME", "SCHEDULE (UTC)", "NEXT RUN", "OWNER", "ID"],
                    answer.value.scripts.map {
                        [$0.name, $0.schedule ?? "on demand", $0.nextRunAt.map(TextTable.time) ?? "-", $0.ownerEmail ?? $0.owner, $0.id]
                    },
                    empty: "No scripts yet. Deploy one with: da scripts deploy FILE [--schedule \"every 15m\"]")
            }
        }
    }
}
