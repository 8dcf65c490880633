import AnalystCore
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
        let host = flags.host ?? nonEmpty(environment["HOST"]) ?? instance.string("server.host") ?? "127.0.0.1"
        let port: Int
        if let flagPort = flags.port {
            port = flagPort
        } else if let text = nonEmpty(environment["PORT"]) {
            guard let parsed = Int(text) else { throw LaunchError.invalidSetting("PORT must be a number, got \"\(text)\"") }
            port = parsed
        } else {
            port = instance.int("server.port") ?? 8000
        }
        guard (0...65_535).contains(port) else {
            throw LaunchError.invalidSetting("the port must be between 0 and 65535, got \(port)")
        }
        let absoluteDataDir = dataDir.hasPrefix("/") ? dataDir : currentDirectory + "/" + dataDir
        let poolSize = instance.int("query.pool_size") ?? 4
        guard poolSize >= 1 else {
            throw LaunchError.invalidSetting("query.pool_size must be at least 1, got \(poolSize)")
        }
        let jwtSecret = nonEmpty(environment["JWT_SECRET_KEY"])
        if jwtSecret == nil && !flags.developmentMode {
            throw LaunchError.invalidSetting(
                "JWT_SECRET_KEY is not set: set it to a long random secret (for example `openssl rand -hex 32`), "
                    + "or start with --dev to use a generated development secret")
        }
        if let jwtSecret, jwtSecret.utf8.count < 32, !flags.developmentMode {
            throw LaunchError.invalidSetting("JWT_SECRET_KEY is too short: use at least 32 characters")
        }
        let lifetimeHours = instance.int("auth.jwt_lifetime_hours") ?? 24
        guard lifetimeHours >= 1 else {
            throw LaunchError.invalidSetting("auth.jwt_lifetime_hours must be at least 1, got \(lifetimeHours)")
        }
        var configuration = ServerConfiguration(
            dataDirectory: DataDirectory(absoluteDataDir), host: host, port: port,
            developmentMode: flags.developmentMode, instance: instance, queryPoolSize: poolSize,
            duckDBThreads: instance.int("duckdb.threads"), duckDBMemoryLimit: instance.string("duckdb.memory_limit"),
            extensionDirectory: DuckDBInstallation.extensionDirectory(environment: environment), jwtSecret: jwtSecret,
            tokenLifetime: .seconds(lifetimeHours * 3600),
            seedAdmin: nonEmpty(environment["SEED_ADMIN_EMAIL"]).map { ($0, nonEmpty(environment["SEED_ADMIN_PASSWORD"])) },
            publicURL: nonEmpty(environment["SERVER_URL"]) ?? instance.string("server.public_url"),
            mail: try mailSettings(instance: instance, environment: environment),
            oidc: try OIDCSettings.resolve(instance: instance, environment: environment))
        configuration.environment = environment
        if let text = nonEmpty(environment["QUERY_TIMEOUT_SECONDS"]) {
            guard let seconds = Int(text), seconds >= 1 else {
                throw LaunchError.invalidSetting("QUERY_TIMEOUT_SECONDS must be a whole number of seconds ≥ 1, got \"\(text)\"")
            }
            configuration.queryTimeout = .seconds(seconds)
        } else if let seconds = instance.int("query.timeout_seconds") {
            guard seconds >= 1 else { throw LaunchError.invalidSetting("query.timeout_seconds must be at least 1, got \(seconds)") }
            configuration.queryTimeout = .seconds(seconds)
        }
        if let rows = instance.int("query.max_rows") {
            guard rows >= 1 else { throw LaunchError.invalidSetting("query.max_rows must be at least 1, got \(rows)") }
            configuration.queryMaxRows = rows
        }
        configuration.queryMemoryLimit = instance.string("query.memory_limit")
        configuration.zeroCopyDownloads = instance.bool("server.sendfile") ?? true
        do {
            configuration.profilerOptions = try ProfilerOptions(instance: instance)
        } catch let error as ConfigError {
            throw LaunchError.invalidSetting(error.description)
        }
        if let megabytes = instance.int("data.max_upload_mb") {
            guard megabytes >= 1 else { throw LaunchError.invalidSetting("data.max_upload_mb must be at least 1, got \(megabytes)") }
            configuration.maxUploadBytes = Int64(megabytes) << 20
        }
        let maxMegabytes = 1 << 20  // 1 TB; keeps the byte count far from overflowing
        if let text = nonEmpty(environment["USER_UPLOAD_MAX_MB"]) {
            guard let megabytes = Int(text), (1...maxMegabytes).contains(megabytes) else {
                throw LaunchError.invalidSetting(
                    "USER_UPLOAD_MAX_MB must be a whole number of megabytes from 1 to \(maxMegabytes), got \"\(text)\"")
            }
            configuration.maxUserUploadBytes = Int64(megabytes) << 20
        } else if let megabytes = instance.int("data.max_user_upload_mb") {
            guard (1...maxMegabytes).contains(megabytes) else {
                throw LaunchError.invalidSetting("data.max_user_upload_mb must be from 1 to \(maxMegabytes), got \(megabytes)")
            }
            configuration.maxUserUploadBytes = Int64(megabytes) << 20
        }
        return configuration
    }

    /// Opens everything and serves until a graceful shutdown completes.
    public static func run(configuration: ServerConfiguration, logger: Logger) async throws {
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
