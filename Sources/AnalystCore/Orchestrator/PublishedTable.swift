import Crypto
import DuckDB
import Foundation

/// A column of a published table, as DuckDB names its type.
public struct ColumnInfo: Sendable, Equatable, Codable {
    public var name: String
    public var type: String

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// One file of a partitioned table: its partition's name, size, SHA-256 and modification time (to know when to rehash).
public struct PublishedPartition: Sendable, Equatable {
    public var name: String
    public var sizeBytes: Int64
    public var hash: String
    public var fileModifiedNanoseconds: Int64?

    public init(name: String, sizeBytes: Int64, hash: String, fileModifiedNanoseconds: Int64?) {
        self.name = name
        self.sizeBytes = sizeBytes
        self.hash = hash
        self.fileModifiedNanoseconds = fileModifiedNanoseconds
    }

    /// A partitioned table's hash: SHA-256 over its partitions' names and hashes (any partition that changes, appears
    /// or goes changes it); empty when there are none.
    public static func combinedHash(_ partitions: [PublishedPartition]) -> String {
        guard !partitions.isEmpty else { return "" }
        var hasher = SHA256()
        for partition in partitions.sorted(by: { $0.name < $1.name }) {
            hasher.update(data: Data("\(partition.name)\t\(partition.hash)\n".utf8))
        }
        return Secrets.hex(hasher.finalize())
    }
}

/// A table the last rebuild published (a `sync_state` row): where it comes from, its size, its columns and the
/// SHA-256 of its parquet file.
public struct PublishedTable: Sendable, Equatable {
    public var id: String
    public var source: String?
    public var queryMode: QueryMode
    public var description: String?
    public var rows: Int64
    public var columns: [ColumnInfo]
    public var fileSizeBytes: Int64
    /// SHA-256 hex of the parquet bytes; empty for remote tables and tables without a file.
    public var hash: String
    /// The file's modification time when `hash` was computed (nanoseconds since 1970), to know when to rehash.
    public var fileModifiedNanoseconds: Int64?
    public var lastSync: Date?
    /// `ok` or `error`.
    public var status: String
    public var error: String?
    /// A partitioned table's files (then `hash` is their combined hash and `fileSizeBytes` their sum); empty for a
    /// table in one file.
    public var partitions: [PublishedPartition] = []

    public init(
        id: String, source: String?, queryMode: QueryMode, description: String? = nil, rows: Int64, columns: [ColumnInfo],
        fileSizeBytes: Int64, hash: String, fileModifiedNanoseconds: Int64?, lastSync: Date?, status: String = "ok",
        error: String? = nil
    ) {
        self.id = id
        self.source = source
        self.queryMode = queryMode
        self.description = description
        self.rows = rows
        self.columns = columns
        self.fileSizeBytes = fileSizeBytes
        self.hash = hash
        self.fileModifiedNanoseconds = fileModifiedNanoseconds
        self.lastSync = lastSync
        self.status = status
        self.error = error
    }

    /// Whether there is something to download or query (a hashed file, or a remote table).
    public var isServed: Bool { queryMode == .remote || !hash.isEmpty }
}

/// `sync_state`: what is published now (what each run did to each table is `SyncHistory`).
public struct SyncStateStore: Sendable {
    public let system: SystemDatabase

    public init(system: SystemDatabase) {
        self.system = system
    }

    static let columns = """
        table_id, source, query_mode, description, rows, column_list, file_size_bytes, hash, file_mtime_ns, last_sync,
        status, error
        """

    /// Every `sync_state` row, by table id.
    public func all() async throws -> [PublishedTable] {
        try await system.withConnection { connection in
            try SyncStateStore.all(connection)
        }
    }

    static func all(_ connection: Connection) throws -> [PublishedTable] {
        var partitions: [String: [PublishedPartition]] = [:]
        let rows = try connection.query(
            "SELECT table_id, partition_name, size_bytes, hash, file_mtime_ns FROM sync_partitions ORDER BY table_id, partition_name"
        ).rows()
        for row in rows {
            guard let id = row[0].stringValue, let name = row[1].stringValue else { continue }
            partitions[id, default: []].append(
                PublishedPartition(
                    name: name, sizeBytes: row[2].int64Value ?? 0, hash: row[3].stringValue ?? "",
                    fileModifiedNanoseconds: row[4].int64Value))
        }
        return try connection.query("SELECT \(columns) FROM sync_state ORDER BY table_id").rows().compactMap { row in
            guard var table = table(row) else { return nil }
            table.partitions = partitions[table.id] ?? []
            return table
        }
    }

    /// Replaces the published set: upserts `published` (status ok) and `failed` (status error, keeping the last good
    /// file facts) and deletes rows for tables nobody publishes any more.
    func record(published: [PublishedTable], failed: [String: String]) async throws {
        try await system.withConnection { connection in
            try connection.transaction {
                let existing = Dictionary(uniqueKeysWithValues: try SyncStateStore.all(connection).map { ($0.id, $0) })
                var rows = Dictionary(published.map { ($0.id, $0) }) { _, last in last }
                for (id, message) in failed {
                    var row =
                        existing[id]
                        ?? PublishedTable(
                            id: id, source: nil, queryMode: .local, rows: 0, columns: [], fileSizeBytes: 0, hash: "",
                            fileModifiedNanoseconds: nil, lastSync: nil)
                    row.status = "error"
                    row.error = message
                    rows[id] = row
                }
                try SyncStateStore.replaceAll(rows.values.sorted { $0.id < $1.id }, connection)
            }
            // Folds the write-ahead log into the file now: after a `kill -9` the next start replays what the log
            // holds before it can listen (a 10,000-table `sync_state` took ~0.8 s). Best effort: DuckDB refuses
            // while another transaction runs, and then checkpoints on its own later.
            try? connection.execute("CHECKPOINT")
        }
    }

    /// Makes `rows` the whole of `sync_state` and `sync_partitions` in four statements over column lists (one upsert
    /// per table cost ~7 ms: 70 s for 10,000 tables).
    private static func replaceAll(_ rows: [PublishedTable], _ connection: Connection) throws {
        func column(_ value: (PublishedTable) -> Value) -> Value { .list(rows.map(value)) }
        let columnLists = rows.map { table in
            (try? JSONEncoder().encode(table.columns)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        }
        try connection.run(
            """
            INSERT OR REPLACE INTO sync_state (\(columns), columns)
            SELECT unnest(?), unnest(?), unnest(?), unnest(?), CAST(unnest(?) AS BIGINT), unnest(?), CAST(unnest(?) AS BIGINT),
                   unnest(?), CAST(unnest(?) AS BIGINT), CAST(unnest(?) AS TIMESTAMP), unnest(?), CAST(unnest(?) AS VARCHAR),
                   CAST(unnest(?) AS INTEGER)
            """,
            [
                column { .varchar($0.id) }, column { $0.source.map(Value.varchar) ?? .null },
                column { .varchar($0.queryMode.rawValue) }, column { $0.description.map(Value.varchar) ?? .null },
                column { .bigint($0.rows) }, .list(columnLists.map(Value.varchar)), column { .bigint($0.fileSizeBytes) },
                column { .varchar($0.hash) }, column { $0.fileModifiedNanoseconds.map(Value.bigint) ?? .null },
                column { $0.lastSync.map { .timestamp(TimestampValue($0)) } ?? .null }, column { .varchar($0.status) },
                column { $0.error.map(Value.varchar) ?? .null }, column { .integer(Int32(clamping: $0.columns.count)) },
            ])
        try connection.run("DELETE FROM sync_state WHERE NOT list_contains(?, table_id)", [column { .varchar($0.id) }])
        let partitions = rows.flatMap { table in table.partitions.map { (table: table.id, partition: $0) } }
        try connection.run(
            "DELETE FROM sync_partitions WHERE NOT list_contains(?, table_id || '/' || partition_name)",
            [.list(partitions.map { .varchar($0.table + "/" + $0.partition.name) })])
        guard !partitions.isEmpty else { return }
        try connection.run(
            """
            INSERT OR REPLACE INTO sync_partitions
            SELECT unnest(?), unnest(?), CAST(unnest(?) AS BIGINT), unnest(?), CAST(unnest(?) AS BIGINT)
            """,
            [
                .list(partitions.map { .varchar($0.table) }), .list(partitions.map { .varchar($0.partition.name) }),
                .list(partitions.map { .bigint($0.partition.sizeBytes) }), .list(partitions.map { .varchar($0.partition.hash) }),
                .list(partitions.map { $0.partition.fileModifiedNanoseconds.map(Value.bigint) ?? .null }),
            ])
    }

    static func table(_ row: [Value]) -> PublishedTable? {
        guard row.count >= 12, let id = row[0].stringValue else { return nil }
        let columns =
            row[5].stringValue.flatMap { try? JSONDecoder().decode([ColumnInfo].self, from: Data($0.utf8)) } ?? []
        return PublishedTable(
            id: id, source: row[1].stringValue, queryMode: row[2].stringValue.flatMap(QueryMode.init(rawValue:)) ?? .local,
            description: row[3].stringValue, rows: row[4].int64Value ?? 0, columns: columns,
            fileSizeBytes: row[6].int64Value ?? 0, hash: row[7].stringValue ?? "", fileModifiedNanoseconds: row[8].int64Value,
            lastSync: row[9].dateValue, status: row[10].stringValue ?? "ok", error: row[11].stringValue)
    }
}
