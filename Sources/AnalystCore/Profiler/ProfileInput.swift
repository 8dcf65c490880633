import Foundation

/// What the profiler needs to know about one table besides its rows.
public struct ProfileInput: Sendable {
    /// The catalog's id of the table (`table_id`).
    public var tableID: String
    /// SQL text naming the rows to profile, e.g. `"orders"` (a quoted view name) or
    /// `read_parquet('/data/extracts/shop/data/orders.parquet')`. It is pasted into SQL as it is, so it must
    /// come from the server (registry, extract contract), never from a request.
    public var relation: String
    public var description: String?
    /// Primary key columns; they mark `is_primary_key` and define `duplicate_rows`.
    public var primaryKey: [String]
    public var syncStrategy: String?
    public var lastSync: Date?
    /// Size of the table's data file, for `file_size_mb`.
    public var fileSizeBytes: Int64?
    public var relatedTables: [TableProfile.RelatedTable]
    /// From `MetricUsageIndex.metrics(using:)`.
    public var usedByMetrics: [TableProfile.MetricUse]

    public init(
        tableID: String, relation: String, description: String? = nil, primaryKey: [String] = [],
        syncStrategy: String? = nil, lastSync: Date? = nil, fileSizeBytes: Int64? = nil,
        relatedTables: [TableProfile.RelatedTable] = [], usedByMetrics: [TableProfile.MetricUse] = []
    ) {
        self.tableID = tableID
        self.relation = relation
        self.description = description
        self.primaryKey = primaryKey
        self.syncStrategy = syncStrategy
        self.lastSync = lastSync
        self.fileSizeBytes = fileSizeBytes
        self.relatedTables = relatedTables
        self.usedByMetrics = usedByMetrics
    }

    /// Splits a registry's comma list (`"order_id, line_no"`) into column names; blank parts are dropped.
    public static func primaryKeyColumns(_ commaList: String?) -> [String] {
        (commaList ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
