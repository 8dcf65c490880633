import AnalystCore
import Connectors
import DuckDB
import Foundation
import Hummingbird
import Logging
import Messaging

/// What `da-server serve` does, kept out of the executable so it can be tested: resolve the configuration
/// (flag > environment > instance.yaml > default), open the data directory, serve until SIGTERM/SIGINT.
public enum ServerLauncher {
    /// Flags as given on the command line (`nil` = not given).
    public struct Flags: Sendable {
        public var dataDir: String?
        public var host: String?
        public var port: Int?
        public var developmentMode: Bool

        public init(dataDir: String? = nil, host: String? = nil, port: Int? = nil, developmentMode: Bool = false) {
            self.dataDir = dataDir
            self.host = host
            self.port = port
            self.developmentMode = developmentMode
        }
    }

    /// Resolves the configuration; errors name the setting and say what to fix.
    public static func configuration(
        flags: Flags, environment: [String: String], currentDirectory: String
    ) throws -> ServerConfiguration {
        let instance = try InstanceConfig.load(environment: environment, currentDirectory: currentDirectory)
        let dataDir = flags.dataDir ?? nonEmpty(environment["DATA_DIR"]) ?? "./data"
        let host = flags.host ?? nonEmpty(environment["HOST"]) ?? instance.string("server.host") ?? ServerConfiguration.defaultHost
        let port: Int
        if let flagPort = flags.port {
            port = flagPort
        } else if let text = nonEmpty(environment["PORT"]) {
            guard let parsed = Int(text) else { throw LaunchError.invalidSetting("PORT must be a number, got \"\(text)\"") }
            port = parsed
        } else {
            port = instance.int("server.port") ?? ServerConfiguration.defaultPort
        }
        guard (0...65_535).contains(port) else {
            throw LaunchError.invalidSetting("the port must be between 0 and 65535, got \(port)")
        }
        let absoluteDataDir = dataDir.hasPrefix("/") ? dataDir : currentDirectory + "/" + dataDir
        var configuration = ServerConfiguration(
            dataDirectory: DataDirectory(absoluteDataDir), host: host, port: port,
            developmentMode: flags.developmentMode, instance: instance, duckDBThreads: instance.int("duckdb.threads"),
            duckDBMemoryLimit: instance.string("duckdb.memory_limit"),
            extensionDirectory: DuckDBInstallation.extensionDirectory(environment: environment),
            publicURL: nonEmpty(environment["SERVER_URL"]) ?? instance.string("server.public_url"),
            query: try QuerySettings.resolve(instance, environment: environment),
            uploads: try UploadSettings.resolve(instance, environment: environment),
            auth: try AuthSettings.resolve(instance, environment: environment, developmentMode: flags.developmentMode),
            mail: try mailSettings(instance: instance, environment: environment))
        configuration.environment = environment
        configuration.scriptsVirtualenv = ScriptSandbox.defaultVirtualenv(environment: environment)
        do {
            configuration.telegram = try TelegramSettings.resolve(instance: instance, environment: environment)
        } catch {
            throw LaunchError.invalidSetting(error.description)
        }
        do {
            configuration.connectors = try ConnectorSettings.resolve(instance: instance, environment: environment)
        } catch {
            throw LaunchError.invalidSetting(error.description)
        }
        configuration.zeroCopyDownloads = instance.bool("server.sendfile") ?? configuration.zeroCopyDownloads
        if let seconds = instance.int("sync.schedule_check_seconds") {
            guard seconds >= 0 else {
                throw LaunchError.invalidSetting("sync.schedule_check_seconds must be 0 (off) or more, got \(seconds)")
            }
            configuration.scheduleCheckInterval = seconds == 0 ? nil : .seconds(seconds)
        }
        do {
            configuration.profilerOptions = try ProfilerOptions(instance: instance)
            configuration.memory = try MemorySettings.resolve(instance: instance)
            configuration.scriptLimits = try ScriptSandbox.Limits.resolve(instance: instance, environment: environment)
        } catch let error as ConfigError {
            throw LaunchError.invalidSetting(error.description)
        }
        return configuration
    }

    /// Opens everything and serves until a graceful shutdown completes.
    public static func run(configuration: ServerConfiguration, logger: Logger) async throws {
        HeapSettings.apply()
        for warning in configuration.instance.warnings {
            logger.warning("\(warning)")
        }
        if configuration.developmentMode {
            logger.warning("development mode (--dev): do not use it in production")
        }
        let dependencies = try await ServerDependencies.open(configuration: configuration, logger: logger)
        let app = buildApplication(dependencies: dependencies)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        logger.info("server stopped")
    }

    private static func mailSettings(instance: InstanceConfig, environment: [String: String]) throws -> MailSettings? {
        do {
            return try MailSettings.resolve(instance: instance, environment: environment)
        } catch let error as MailError {
            throw LaunchError.invalidSetting(error.description)
        }
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}

/// A setting that prevents the server from starting.
public enum LaunchError: Error, CustomStringConvertible {
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .invalidSetting(let message): return message
        }
    }
}
