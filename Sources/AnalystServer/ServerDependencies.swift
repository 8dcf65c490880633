import AnalystCore
import DuckDB
import Logging

/// The long-lived parts of a running server: its data directory, databases and configuration.
/// Controllers receive what they need from here through their initialisers.
public final class ServerDependencies: Sendable {
    public let configuration: ServerConfiguration
    public let system: SystemDatabase
    public let analytics: AnalyticsDatabase
    public let logger: Logger

    /// Prepares the data directory and opens (and migrates) the databases.
    public init(configuration: ServerConfiguration, logger: Logger) throws {
        let directory = configuration.dataDirectory
        try directory.prepare()
        let duckDB = Database.Configuration(
            threads: configuration.duckDBThreads, memoryLimit: configuration.duckDBMemoryLimit,
            extensionDirectory: configuration.extensionDirectory)
        self.system = try SystemDatabase(
            path: directory.systemDatabase.path, configuration: duckDB, logger: logger)
        self.analytics = try AnalyticsDatabase(
            path: directory.analyticsDatabase.path, poolSize: configuration.queryPoolSize, configuration: duckDB,
            logger: logger)
        self.configuration = configuration
        self.logger = logger
    }

    /// Closes the databases after their running work finishes.
    public func close() async {
        await analytics.close()
        await system.close()
    }
}
