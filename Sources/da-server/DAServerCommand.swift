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
        subcommands: [Serve.self, SampleDataCommand.self],
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
