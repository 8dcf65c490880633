import AnalystAPI
import AnalystCore
import AnalystServer
import ArgumentParser
import Foundation
import Logging

@main
struct DAServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "da-server",
        abstract: "AI Data Analyst server: catalog, access control, sandboxed SQL and parquet downloads.",
        version: AnalystVersion.current,
        subcommands: [Serve.self, SampleDataCommand.self, SchedulerCommand.self, JiraCommand.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server until SIGTERM or SIGINT (then finish in-flight work and exit).")

    @Option(help: "Data directory (env DATA_DIR; default ./data).")
    var dataDir: String?

    @Option(help: "Address to listen on (env HOST; instance.yaml server.host; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env PORT; instance.yaml server.port; default 8000).")
    var port: Int?

    @Flag(help: "Development mode: conveniences that are unsafe in production.")
    var dev = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env LOG_LEVEL; default info).")
    var logLevel: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let levelName = logLevel ?? environment["LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelName.lowercased()) else {
            throw ValidationError("unknown log level \"\(levelName)\"; use trace, debug, info, notice, warning, error or critical")
        }
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        let logger = Logger(label: "da-server")
        let configuration = try ServerLauncher.configuration(
            flags: .init(dataDir: dataDir, host: host, port: port, developmentMode: dev),
            environment: environment, currentDirectory: FileManager.default.currentDirectoryPath)
        do {
            try await ServerLauncher.run(configuration: configuration, logger: logger)
        } catch {
            logger.critical("da-server could not run", metadata: ["error": "\(error)"])
            throw error
        }
    }
}

struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Run table sync schedules from another process, over the API (the seeds' sidecar).",
        discussion: """
            Turn the server's own scheduler off first (instance.yaml sync.schedule_check_seconds: 0). Each check reads \
            the registry and each scheduled table's last run, and triggers the due tables, one job per source. \
            The token (env SCHEDULER_API_TOKEN) must belong to an admin, e.g. a personal access token.
            """)

    @Option(help: "The server's URL (env API_URL; default http://127.0.0.1:8000).")
    var api: String?

    @Option(help: "An admin's token (env SCHEDULER_API_TOKEN).")
    var token: String?

    @Option(help: "Seconds between checks (default 60).")
    var interval = 60

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = URL(string: api ?? environment["API_URL"] ?? "http://127.0.0.1:8000"), url.host != nil else {
            throw ValidationError("--api must be the server's URL, e.g. http://127.0.0.1:8000")
        }
        guard let token = token ?? environment["SCHEDULER_API_TOKEN"], !token.isEmpty else {
            throw ValidationError("give an admin's token with --token or SCHEDULER_API_TOKEN")
        }
        guard interval >= 1 else { throw ValidationError("--interval must be at least 1 second") }
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: .info) }
        let sidecar = SchedulerSidecar(
            api: url, token: token, interval: .seconds(interval), logger: Logger(label: "da-server-scheduler"))
        let task = Task { await sidecar.run() }
        for signal in [SIGTERM, SIGINT] { Foundation.signal(signal, SIG_IGN) }
        let sources = [SIGTERM, SIGINT].map { signal in
            let source = DispatchSource.makeSignalSource(signal: signal)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        await task.value
        sources.forEach { $0.cancel() }
    }
}
