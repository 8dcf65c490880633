import AnalystCore

/// `query.*`: how analysts' SQL runs. The defaults live here only; the launcher starts from them.
public struct QuerySettings: Sendable, Equatable {
    /// Connections (and threads) serving analysts' queries (`query.pool_size`).
    public var poolSize = 4
    /// The longest a query may run (`QUERY_TIMEOUT_SECONDS`, `query.timeout_seconds`).
    public var timeout: Duration = .seconds(30)
    /// The largest `limit` a query may ask for (`query.max_rows`).
    public var maxRows = 100_000
    /// DuckDB's memory limit for queries (`query.memory_limit`, e.g. "2GB"); else `duckdb.memory_limit`.
    public var memoryLimit: String?

    public init() {}

    /// The `query` scope of `instance.yaml`, with its environment overrides; a value out of range is refused.
    static func resolve(_ instance: InstanceConfig, environment: [String: String]) throws -> QuerySettings {
        var settings = QuerySettings()
        if let size = instance.int("query.pool_size") {
            guard size >= 1 else { throw LaunchError.invalidSetting("query.pool_size must be at least 1, got \(size)") }
            settings.poolSize = size
        }
        if let text = environment["QUERY_TIMEOUT_SECONDS"], !text.isEmpty {
            guard let seconds = Int(text), seconds >= 1 else {
                throw LaunchError.invalidSetting("QUERY_TIMEOUT_SECONDS must be a whole number of seconds ≥ 1, got \"\(text)\"")
            }
            settings.timeout = .seconds(seconds)
        } else if let seconds = instance.int("query.timeout_seconds") {
            guard seconds >= 1 else { throw LaunchError.invalidSetting("query.timeout_seconds must be at least 1, got \(seconds)") }
            settings.timeout = .seconds(seconds)
        }
        if let rows = instance.int("query.max_rows") {
            guard rows >= 1 else { throw LaunchError.invalidSetting("query.max_rows must be at least 1, got \(rows)") }
            settings.maxRows = rows
        }
        settings.memoryLimit = instance.string("query.memory_limit")
        return settings
    }
}
