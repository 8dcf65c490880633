import Foundation

/// The statistics of one table for the data catalog: sizes, completeness, per-column statistics, alerts and
/// a few sample rows. Built by `Profiler.profile`.
///
/// Encodes to the reference's JSON (`table_id`, `row_count`, … in snake_case). Properties documented as
/// "null in JSON" are written as `null` when absent, never left out; the per-type column statistics are the
/// only keys that are left out (a column has exactly one of them).
public struct TableProfile: Codable, Sendable, Equatable {
    /// The catalog's id of the table.
    public var tableID: String
    /// The table's description; null in JSON.
    public var description: String?
    /// The primary key columns as a comma list (`"order_id, line_no"`); null in JSON when there is none.
    public var primaryKey: String?
    /// How the table is synced (`full_refresh`, `incremental`, `partitioned`); null in JSON.
    public var syncStrategy: String?
    /// Rows in the whole table, also when the statistics come from a sample.
    public var rowCount: Int
    public var columnCount: Int
    /// Size of the table's data file in MiB, 2 decimals; null in JSON when unknown.
    public var fileSizeMB: Double?
    /// Mean of the columns' `completenessPct`.
    public var avgCompleteness: Double
    /// NULL cells in the profiled rows (the sample when `sampled`).
    public var missingCells: Int
    public var missingCellsPct: Double
    /// Profiled rows whose primary key repeats an earlier row's key; 0 without a primary key.
    public var duplicateRows: Int
    /// How many columns fall into each type category.
    public var variableTypes: [TypeCategory: Int]
    /// The range of the first DATE or TIMESTAMP column that has a value; null in JSON when there is none.
    public var dateRange: DateRange?
    /// Every column alert with a readable message, column by column.
    public var alerts: [Alert]
    /// Whether the statistics come from a sample of `ProfilerOptions.sampleSize` rows.
    public var sampled: Bool
    /// When the table was last synced, ISO 8601 in UTC; null in JSON.
    public var lastSync: String?
    public var relatedTables: [RelatedTable]
    public var usedByMetrics: [MetricUse]
    public var columns: [Column]
    /// The first few profiled rows, every value as text (or null).
    public var sampleRows: [SampleRow]
    /// Set by whoever keeps profiles when it serves an old profile because profiling failed; `_stale` in JSON,
    /// left out when nil.
    public var stale: Bool?

    public init(
        tableID: String, description: String? = nil, primaryKey: String? = nil, syncStrategy: String? = nil,
        rowCount: Int, columnCount: Int, fileSizeMB: Double? = nil, avgCompleteness: Double, missingCells: Int,
        missingCellsPct: Double, duplicateRows: Int, variableTypes: [TypeCategory: Int], dateRange: DateRange?,
        alerts: [Alert], sampled: Bool, lastSync: String? = nil, relatedTables: [RelatedTable] = [],
        usedByMetrics: [MetricUse] = [], columns: [Column], sampleRows: [SampleRow], stale: Bool? = nil
    ) {
        self.tableID = tableID
        self.description = description
        self.primaryKey = primaryKey
        self.syncStrategy = syncStrategy
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.fileSizeMB = fileSizeMB
        self.avgCompleteness = avgCompleteness
        self.missingCells = missingCells
        self.missingCellsPct = missingCellsPct
        self.duplicateRows = duplicateRows
        self.variableTypes = variableTypes
        self.dateRange = dateRange
        self.alerts = alerts
        self.sampled = sampled
        self.lastSync = lastSync
        self.relatedTables = relatedTables
        self.usedByMetrics = usedByMetrics
        self.columns = columns
        self.sampleRows = sampleRows
        self.stale = stale
    }

    /// A column by name.
    public func column(_ name: String) -> Column? {
        columns.first { $0.name == name }
    }

    enum CodingKeys: String, CodingKey {
        case tableID = "table_id", description, primaryKey = "primary_key", syncStrategy = "sync_strategy"
        case rowCount = "row_count", columnCount = "column_count", fileSizeMB = "file_size_mb"
        case avgCompleteness = "avg_completeness", missingCells = "missing_cells"
        case missingCellsPct = "missing_cells_pct", duplicateRows = "duplicate_rows"
        case variableTypes = "variable_types", dateRange = "date_range", alerts, sampled, lastSync = "last_sync"
        case relatedTables = "related_tables", usedByMetrics = "used_by_metrics", columns
        case sampleRows = "sample_rows", stale = "_stale"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tableID, forKey: .tableID)
        // Encoding the optionals themselves (not `encodeIfPresent`) writes `null` for nil.
        try container.encode(description, forKey: .description)
        try container.encode(primaryKey, forKey: .primaryKey)
        try container.encode(syncStrategy, forKey: .syncStrategy)
        try container.encode(rowCount, forKey: .rowCount)
        try container.encode(columnCount, forKey: .columnCount)
        try container.encode(fileSizeMB, forKey: .fileSizeMB)
        try container.encode(avgCompleteness, forKey: .avgCompleteness)
        try container.encode(missingCells, forKey: .missingCells)
        try container.encode(missingCellsPct, forKey: .missingCellsPct)
        try container.encode(duplicateRows, forKey: .duplicateRows)
        try container.encode(variableTypes, forKey: .variableTypes)
        try container.encode(dateRange, forKey: .dateRange)
        try container.encode(alerts, forKey: .alerts)
        try container.encode(sampled, forKey: .sampled)
        try container.encode(lastSync, forKey: .lastSync)
        try container.encode(relatedTables, forKey: .relatedTables)
        try container.encode(usedByMetrics, forKey: .usedByMetrics)
        try container.encode(columns, forKey: .columns)
        try container.encode(sampleRows, forKey: .sampleRows)
        try container.encodeIfPresent(stale, forKey: .stale)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tableID = try container.decode(String.self, forKey: .tableID)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        primaryKey = try container.decodeIfPresent(String.self, forKey: .primaryKey)
        syncStrategy = try container.decodeIfPresent(String.self, forKey: .syncStrategy)
        rowCount = try container.decode(Int.self, forKey: .rowCount)
        columnCount = try container.decode(Int.self, forKey: .columnCount)
        fileSizeMB = try container.decodeIfPresent(Double.self, forKey: .fileSizeMB)
        avgCompleteness = try container.decode(Double.self, forKey: .avgCompleteness)
        missingCells = try container.decode(Int.self, forKey: .missingCells)
        missingCellsPct = try container.decode(Double.self, forKey: .missingCellsPct)
        duplicateRows = try container.decode(Int.self, forKey: .duplicateRows)
        variableTypes = try container.decode([TypeCategory: Int].self, forKey: .variableTypes)
        dateRange = try container.decodeIfPresent(DateRange.self, forKey: .dateRange)
        alerts = try container.decode([Alert].self, forKey: .alerts)
        sampled = try container.decode(Bool.self, forKey: .sampled)
        lastSync = try container.decodeIfPresent(String.self, forKey: .lastSync)
        relatedTables = try container.decode([RelatedTable].self, forKey: .relatedTables)
        usedByMetrics = try container.decode([MetricUse].self, forKey: .usedByMetrics)
        columns = try container.decode([Column].self, forKey: .columns)
        stale = try container.decodeIfPresent(Bool.self, forKey: .stale)
        // A JSON object does not promise an order; put each row's cells back in column order.
        let order = Dictionary(columns.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        sampleRows = try container.decode([SampleRow].self, forKey: .sampleRows).map { row in
            SampleRow(cells: row.cells.sorted { (order[$0.column] ?? Int.max) < (order[$1.column] ?? Int.max) })
        }
    }
}

extension TableProfile {
    /// The class of a DuckDB type that decides which statistics a column gets.
    public enum TypeCategory: String, Codable, Sendable, CaseIterable, CodingKeyRepresentable {
        case numeric = "NUMERIC"
        case string = "STRING"
        case date = "DATE"
        case timestamp = "TIMESTAMP"
        case boolean = "BOOLEAN"

        /// Classifies a type as DuckDB spells it (`DESCRIBE`): BOOLEAN, DATE, any `…TIMESTAMP…`, the integer,
        /// floating and DECIMAL types are their own classes; everything else (VARCHAR, UUID, LIST, BLOB …) is
        /// STRING.
        public init(duckDBType: String) {
            let type = duckDBType.uppercased()
            if type == "BOOLEAN" || type == "BOOL" {
                self = .boolean
            } else if type == "DATE" {
                self = .date
            } else if type.contains("TIMESTAMP") {
                self = .timestamp
            } else {
                let base = type.split(separator: "(", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? type
                self = Self.numericBases.contains(base) ? .numeric : .string
            }
        }

        private static let numericBases: Set<String> = [
            "FLOAT", "DOUBLE", "DECIMAL", "REAL", "FLOAT4", "FLOAT8", "NUMERIC", "HUGEINT", "UHUGEINT", "INTEGER",
            "INT", "BIGINT", "SMALLINT", "TINYINT", "INT8", "INT4", "INT2", "INT1", "UBIGINT", "UINTEGER",
            "USMALLINT", "UTINYINT",
        ]
    }

    /// What a column alert is about. The raw values are the JSON spelling.
    public enum AlertType: String, Codable, Sendable, CaseIterable {
        /// One distinct value and no NULLs.
        case constant
        /// Every value distinct and no NULLs.
        case unique
        /// More than `alertHighMissingPct` percent NULL.
        case highMissing = "high_missing"
        /// More than `alertMissingPct` (and at most `alertHighMissingPct`) percent NULL.
        case missing
        /// More than `alertZerosPct` percent of a numeric column's values are 0.
        case zeros
        /// The most frequent value of a categorical text column has more than `alertImbalancePct` percent.
        case imbalance
        /// A text column with more than `alertHighCardinality` distinct values (and not categorical).
        case highCardinality = "high_cardinality"
    }

    /// A column alert as the table lists it, with a sentence for people.
    public struct Alert: Codable, Sendable, Equatable {
        public var column: String
        public var type: AlertType
        /// E.g. `"status is highly imbalanced (top value 92.5%)"`.
        public var message: String

        public init(column: String, type: AlertType, message: String) {
            self.column = column
            self.type = type
            self.message = message
        }
    }

    /// The first and last day of a DATE or TIMESTAMP column (timestamps cut to their date).
    public struct DateRange: Codable, Sendable, Equatable {
        /// `YYYY-MM-DD`; null in JSON when the column has no value.
        public var earliest: String?
        /// `YYYY-MM-DD`; null in JSON when the column has no value.
        public var latest: String?
        /// Days from `earliest` to `latest`; null in JSON when either is missing.
        public var spanDays: Int?

        public init(earliest: String?, latest: String?, spanDays: Int?) {
            self.earliest = earliest
            self.latest = latest
            self.spanDays = spanDays
        }

        enum CodingKeys: String, CodingKey {
            case earliest, latest, spanDays = "span_days"
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(earliest, forKey: .earliest)
            try container.encode(latest, forKey: .latest)
            try container.encode(spanDays, forKey: .spanDays)
        }
    }

    /// A table this one joins to, from foreign-key metadata.
    public struct RelatedTable: Codable, Sendable, Equatable {
        /// `belongsTo`: this table holds the foreign key; `hasMany`: the other table references this one.
        public enum Direction: String, Codable, Sendable {
            case belongsTo = "belongs_to"
            case hasMany = "has_many"
        }

        public var table: String
        /// The column of this table used in the join.
        public var joinColumn: String
        /// The column of the other table used in the join.
        public var foreignColumn: String
        public var direction: Direction
        public var description: String

        public init(table: String, joinColumn: String, foreignColumn: String, direction: Direction, description: String) {
            self.table = table
            self.joinColumn = joinColumn
            self.foreignColumn = foreignColumn
            self.direction = direction
            self.description = description
        }

        enum CodingKeys: String, CodingKey {
            case table, joinColumn = "join_column", foreignColumn = "foreign_column", direction, description
        }
    }

    /// A business metric whose definition uses the table.
    public struct MetricUse: Codable, Sendable, Equatable, Hashable {
        /// The metric's `name`.
        public var name: String
        /// Its definition file relative to the metrics directory, e.g. `revenue/total_revenue.yml`.
        public var file: String

        public init(name: String, file: String) {
            self.name = name
            self.file = file
        }
    }

    /// One sample row: every column's value as DuckDB spells it as text, or nil for NULL, in column order.
    ///
    /// In JSON it is an object keyed by column name; JSON objects have no order, so readers that show the
    /// row use the order of `columns`.
    public struct SampleRow: Codable, Sendable, Equatable {
        public struct Cell: Sendable, Equatable {
            public var column: String
            public var value: String?

            public init(column: String, value: String?) {
                self.column = column
                self.value = value
            }
        }

        public var cells: [Cell]

        public init(cells: [Cell]) {
            self.cells = cells
        }

        /// The value of `column`; nil when it is NULL or there is no such column.
        public subscript(column: String) -> String? {
            cells.first { $0.column == column }?.value
        }

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for cell in cells {
                try container.encode(cell.value, forKey: Key(stringValue: cell.column))
            }
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            cells = try container.allKeys.map { key in
                Cell(column: key.stringValue, value: try container.decodeIfPresent(String.self, forKey: key))
            }
        }
    }
}
