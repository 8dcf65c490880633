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
                for table in published {
                    try SyncStateStore.upsert(table, connection)
                }
                for (id, message) in failed.sorted(by: { $0.key < $1.key }) {
                    var row =
                        existing[id]
                        ?? PublishedTable(
                            id: id, source: nil, queryMode: .local, rows: 0, columns: [], fileSizeBytes: 0, hash: "",
                            fileModifiedNanoseconds: nil, lastSync: nil)
                    row.status = "error"
                    row.error = message
                    try SyncStateStore.upsert(row, connection)
                }
                let keep = Set(published.map(\.id)).union(failed.keys)
                for id in existing.keys where !keep.contains(id) {
                    try connection.run("DELETE FROM sync_state WHERE table_id = ?", [.varchar(id)])
                    try connection.run("DELETE FROM sync_partitions WHERE table_id = ?", [.varchar(id)])
                }
            }
        }
    }

    private static func upsert(_ table: PublishedTable, _ connection: Connection) throws {
        let columnList = (try? JSONEncoder().encode(table.columns)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        try connection.run(
            """
            INSERT OR REPLACE INTO sync_state (\(columns), columns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .varchar(table.id), table.source.map(Value.varchar) ?? .null, .varchar(table.queryMode.rawValue),
                table.description.map(Value.varchar) ?? .null, .bigint(table.rows), .varchar(columnList),
                .bigint(table.fileSizeBytes), .varchar(table.hash), table.fileModifiedNanoseconds.map(Value.bigint) ?? .null,
                table.lastSync.map { .timestamp(TimestampValue($0)) } ?? .null, .varchar(table.status),
                table.error.map(Value.varchar) ?? .null, .integer(Int32(clamping: table.columns.count)),
            ])
        try connection.run("DELETE FROM sync_partitions WHERE table_id = ?", [.varchar(table.id)])
        for partition in table.partitions {
            try connection.run(
                "INSERT INTO sync_partitions VALUES (?, ?, ?, ?, ?)",
                [
                    .varchar(table.id), .varchar(partition.name), .bigint(partition.sizeBytes), .varchar(partition.hash),
                    partition.fileModifiedNanoseconds.map(Value.bigint) ?? .null,
                ])
        }
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
