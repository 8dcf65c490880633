import AnalystCore

/// What `SampleData.generate` wrote.
public struct SampleDataReport: Sendable {
    /// Rows per table, by table name.
    public var tables: [String: Int64]
    /// Rows over all tables.
    public var totalRows: Int64
    /// Bytes of the parquet files.
    public var bytes: Int64
    /// Wall-clock time of the whole generation.
    public var elapsed: Duration
    /// Metric files written (or already identical), as `<category>/<name>.yml`.
    public var metricFiles: [String]
    /// Metric files left alone because they exist with other content (an admin may have edited them),
    /// as `<category>/<name>.yml`.
    public var skippedMetricFiles: [String]

    public init(
        tables: [String: Int64], bytes: Int64, elapsed: Duration, metricFiles: [String], skippedMetricFiles: [String]
    ) {
        self.tables = tables
        self.totalRows = tables.values.reduce(0, +)
        self.bytes = bytes
        self.elapsed = elapsed
        self.metricFiles = metricFiles
        self.skippedMetricFiles = skippedMetricFiles
    }
}
