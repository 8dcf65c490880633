import AnalystClient
import ArgumentParser
import Foundation

extension Scripts {
    /// `da scripts deploy FILE`: sends a Python file to the server, to run on demand or on a schedule.
    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deploy", abstract: "Deploy a Python script to the server, optionally on a schedule.",
            discussion: """
                The script reads your data with duckdb.connect(os.environ["DA_DATABASE"], read_only=True) and may end by \
                printing one JSON line: {"notify": true, "title": …, "message": …, "image_path": …, "cooldown": "1h", "data": {…}}.
                """)

        @OptionGroup var options: ServerOptions
        @Argument(help: "The Python file.")
        var file: String
        @Option(help: "The script's name (default: the file's name without its extension); unique among yours.")
        var name: String?
        @Option(help: "When it runs, in UTC: \"every 15m\" (m, h or d), \"daily 07:30\", or a 5-field cron expression.")
        var schedule: String?

        func run() async throws {
            try await Scripts.reportingErrors {
                let url = URL(fileURLWithPath: file)
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    throw ClientError.local("Cannot read the script \(file): no such file, or it is not readable")
                }
                guard let source = String(data: data, encoding: .utf8) else {
                    throw ClientError.local("The script \(file) is not UTF-8 text")
                }
                let name = self.name ?? url.deletingPathExtension().lastPathComponent
                let answer = try await ScriptsClient(session: options.session()).deploy(name: name, source: source, schedule: schedule)
                if options.json { return JSONOutput.print(answer) }
                let deployed = answer.value
                let when = deployed.schedule.map { "runs \($0) (UTC)" } ?? "runs when you ask"
                print("Deployed \(deployed.name) (id \(deployed.id)): \(when). Run it now with: da scripts run \(deployed.name)")
            }
        }
    }
}
