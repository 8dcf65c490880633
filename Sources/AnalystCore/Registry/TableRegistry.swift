import DuckDB
import Foundation

/// Field values for registering or changing a table, as an admin sends them (text, validated here).
/// `nil` leaves a field as it is (or at its default when registering).
public struct RegistryChanges: Sendable, Equatable {
    public var name: String?
    public var sourceType: String?
    public var bucket: String?
    public var sourceTable: String?
    public var syncStrategy: String?
    public var queryMode: String?
    public var syncSchedule: String?
    public var profileAfterSync: Bool?
    public var primaryKey: String?
    public var folder: String?
    public var description: String?
    public var isPublic: Bool?

    public init(
        name: String? = nil, sourceType: String? = nil, bucket: String? = nil, sourceTable: String? = nil,
        syncStrategy: String? = nil, queryMode: String? = nil, syncSchedule: String? = nil, profileAfterSync: Bool? = nil,
        primaryKey: String? = nil, folder: String? = nil, description: String? = nil, isPublic: Bool? = nil
    ) {
        self.name = name
        self.sourceType = sourceType
        self.bucket = bucket
        self.sourceTable = sourceTable
        self.syncStrategy = syncStrategy
        self.queryMode = queryMode
        self.syncSchedule = syncSchedule
        self.profileAfterSync = profileAfterSync
        self.primaryKey = primaryKey
        self.folder = folder
        self.description = description
        self.isPublic = isPublic
    }

    /// The reference's names of the fields this change sets (for `{"updated": [...]}`).
    public var fieldNames: [String] {
        let fields: [(String, Bool)] = [
            ("name", name != nil), ("source_type", sourceType != nil), ("bucket", bucket != nil),
            ("source_table", sourceTable != nil), ("sync_strategy", syncStrategy != nil), ("query_mode", queryMode != nil),
            ("sync_schedule", syncSchedule != nil), ("profile_after_sync", profileAfterSync != nil),
            ("primary_key", primaryKey != nil), ("folder", folder != nil), ("description", description != nil),
            ("is_public", isPublic != nil),
        ]
        return fields.filter(\.1).map(\.0)
    }

    /// `table` with these changes applied, every value checked.
    func applied(to table: RegisteredTable) throws(RegistryError) -> RegisteredTable {
        var table = table
        if let name {
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .emptyName }
            table.name = name.trimmingCharacters(in: .whitespaces)
        }
        if let sourceType {
            guard sourceType.isEmpty || Identifier.isValid(sourceType) else {
                throw .invalidValue(field: "source_type", value: sourceType, accepted: Identifier.rule)
            }
            table.sourceType = sourceType.isEmpty ? nil : sourceType
        }
        if let bucket { table.bucket = bucket.isEmpty ? nil : bucket }
        if let sourceTable { table.sourceTable = sourceTable.isEmpty ? nil : sourceTable }
        if let syncStrategy {
            guard let strategy = SyncStrategy(rawValue: syncStrategy) else {
                throw .invalidValue(
                    field: "sync_strategy", value: syncStrategy,
                    accepted: SyncStrategy.allCases.map(\.rawValue).joined(separator: ", "))
            }
            table.syncStrategy = strategy
        }
        if let queryMode {
            guard let mode = QueryMode(rawValue: queryMode) else {
                throw .invalidValue(field: "query_mode", value: queryMode, accepted: "local, remote")
            }
            table.queryMode = mode
        }
        if let syncSchedule {
            if syncSchedule.isEmpty {
                table.syncSchedule = nil
            } else {
                guard let schedule = SyncSchedule(syncSchedule) else {
                    throw .invalidValue(field: "sync_schedule", value: syncSchedule, accepted: SyncSchedule.grammar)
                }
                table.syncSchedule = schedule
            }
        }
        if let profileAfterSync { table.profileAfterSync = profileAfterSync }
        if let primaryKey { table.primaryKey = primaryKey.isEmpty ? nil : primaryKey }
        if let folder { table.folder = folder.isEmpty ? nil : folder }
        if let description { table.description = description.isEmpty ? nil : description }
        if let isPublic { table.isPublic = isPublic }
        return table
    }
}

/// `table_registry`: the tables the server publishes (reference §1.13), with validated values.
public struct TableRegistry: Sendable {
    public let system: SystemDatabase

    public init(system: SystemDatabase) {
        self.system = system
    }

    static let columns = """
        id, name, source_type, bucket, source_table, sync_strategy, query_mode, sync_schedule, profile_after_sync,
        primary_key, folder, description, registered_by, is_public, registered_at
        """

    /// Every registered table, by name.
    public func list() async throws -> [RegisteredTable] {
        try await system.withConnection { connection in
            try connection.query("SELECT \(TableRegistry.columns) FROM table_registry ORDER BY name, id").rows()
                .compactMap(TableRegistry.table)
        }
    }

    public func find(id: String) async throws -> RegisteredTable? {
        try await system.withConnection { connection in
            try connection.query("SELECT \(TableRegistry.columns) FROM table_registry WHERE id = ?", [.varchar(id)]).rows()
                .compactMap(TableRegistry.table).first
        }
    }

    /// Registers a table named `changes.name`; its id is the normalised name, which must be an identifier.
    public func register(_ changes: RegistryChanges, by admin: String?, now: Date = Date()) async throws -> RegisteredTable {
        guard let name = changes.name, !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw RegistryError.emptyName }
        let id = Identifier.normalize(name)
        guard Identifier.isValid(id) else { throw RegistryError.invalidID(id) }
        let table = try changes.applied(to: RegisteredTable(id: id, name: name, registeredBy: admin, registeredAt: now))
        try await system.withConnection { connection in
            do {
                try connection.run(
                    "INSERT INTO table_registry (\(TableRegistry.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    TableRegistry.values(of: table))
            } catch let error as DuckDBError where error.message.contains("Duplicate key") || error.message.contains("PRIMARY KEY") {
                throw RegistryError.alreadyRegistered(id)
            }
        }
        return table
    }

    /// Applies `changes` to table `id`; returns the table as stored now.
    @discardableResult
    public func update(id: String, _ changes: RegistryChanges) async throws -> RegisteredTable {
        guard let current = try await find(id: id) else { throw RegistryError.notFound }
        let table = try changes.applied(to: current)
        try await system.withConnection { connection in
            var values = Array(TableRegistry.values(of: table).dropFirst())
            values.append(.varchar(id))
            try connection.run(
                """
                UPDATE table_registry SET name = ?, source_type = ?, bucket = ?, source_table = ?, sync_strategy = ?,
                    query_mode = ?, sync_schedule = ?, profile_after_sync = ?, primary_key = ?, folder = ?, description = ?,
                    registered_by = ?, is_public = ?, registered_at = ?
                WHERE id = ?
                """, values)
        }
        return table
    }

    /// Removes table `id` from the registry (its permissions stay, harmless without the table).
    public func delete(id: String) async throws {
        let removed = try await system.withConnection { connection in
            try connection.run("DELETE FROM table_registry WHERE id = ?", [.varchar(id)])
        }
        guard removed > 0 else { throw RegistryError.notFound }
    }

    static func values(of table: RegisteredTable) -> [Value] {
        func text(_ value: String?) -> Value { value.map(Value.varchar) ?? .null }
        return [
            .varchar(table.id), .varchar(table.name), text(table.sourceType), text(table.bucket), text(table.sourceTable),
            .varchar(table.syncStrategy.rawValue), .varchar(table.queryMode.rawValue), text(table.syncSchedule?.description),
            .boolean(table.profileAfterSync), text(table.primaryKey), text(table.folder), text(table.description),
            text(table.registeredBy), .boolean(table.isPublic), .timestamp(TimestampValue(table.registeredAt)),
        ]
    }

    static func table(_ row: [Value]) -> RegisteredTable? {
        guard row.count >= 15, let id = row[0].stringValue, let name = row[1].stringValue else { return nil }
        return RegisteredTable(
            id: id, name: name, sourceType: row[2].stringValue, bucket: row[3].stringValue, sourceTable: row[4].stringValue,
            // Rows written before validation existed may hold other values: read them as the defaults.
            syncStrategy: row[5].stringValue.flatMap(SyncStrategy.init(rawValue:)) ?? .fullRefresh,
            queryMode: row[6].stringValue.flatMap(QueryMode.init(rawValue:)) ?? .local,
            syncSchedule: row[7].stringValue.flatMap(SyncSchedule.init), profileAfterSync: row[8].boolValue ?? true,
            primaryKey: row[9].stringValue, folder: row[10].stringValue, description: row[11].stringValue,
            registeredBy: row[12].stringValue, isPublic: row[13].boolValue ?? true, registeredAt: row[14].dateValue ?? Date())
    }
}
