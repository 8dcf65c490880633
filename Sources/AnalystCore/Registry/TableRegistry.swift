import AnalystAPI
import DuckDB
import Foundation

/// A registry change as an admin sends it (`TableChanges` of the contract, used to register and to update):
/// `nil` leaves a field as it is (or at its default when registering), an empty text clears it.
extension Schemas.TableChanges {
    /// The reference's names of the fields this change sets (for `{"updated": [...]}`), in the contract's order.
    public var fieldNames: [String] {
        let fields: [(CodingKeys, Bool)] = [
            (.name, name != nil), (.sourceType, sourceType != nil), (.bucket, bucket != nil),
            (.sourceTable, sourceTable != nil), (.syncStrategy, syncStrategy != nil), (.queryMode, queryMode != nil),
            (.syncSchedule, syncSchedule != nil), (.profileAfterSync, profileAfterSync != nil),
            (.primaryKey, primaryKey != nil), (.folder, folder != nil), (.description, description != nil),
            (.isPublic, isPublic != nil), (.exportColumns, exportColumns != nil), (.whereFilters, whereFilters != nil),
            (.partitionBy, partitionBy != nil), (.partitionGranularity, partitionGranularity != nil),
            (.cursorColumn, cursorColumn != nil), (.connectionEnv, connectionEnv != nil), (.sourceQuery, sourceQuery != nil),
        ]
        return fields.filter(\.1).map(\.0.rawValue)
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
        if let syncStrategy { table.syncStrategy = syncStrategy }
        if let queryMode { table.queryMode = queryMode }
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
        if let exportColumns { table.exportColumns = RegisteredTable.names(in: exportColumns) }
        if let whereFilters {
            for filter in whereFilters where filter.column.isEmpty || filter.values.isEmpty {
                throw .invalidValue(
                    field: "where_filters", value: filter.column,
                    accepted: "filters with a column name and at least one value")
            }
            table.whereFilters = whereFilters
        }
        if let partitionBy { table.partitionBy = partitionBy.isEmpty ? nil : partitionBy }
        if let partitionGranularity { table.partitionGranularity = partitionGranularity }
        if let cursorColumn { table.cursorColumn = cursorColumn.isEmpty ? nil : cursorColumn }
        if let connectionEnv {
            guard connectionEnv.isEmpty || EnvironmentName.isValid(connectionEnv) else {
                throw .invalidValue(field: "connection_env", value: connectionEnv, accepted: EnvironmentName.rule)
            }
            table.connectionEnvironmentVariable = connectionEnv.isEmpty ? nil : connectionEnv
        }
        if let sourceQuery {
            let text = sourceQuery.trimmingCharacters(in: .whitespacesAndNewlines)
            table.sourceQuery = text.isEmpty ? nil : text
        }
        if let reason = table.inconsistency { throw .inconsistent(reason) }
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
        primary_key, folder, description, registered_by, is_public, registered_at, export_columns, where_filters,
        partition_by, partition_granularity, cursor_column, connection_env, source_query
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
    /// `refusal` says why this installation cannot run the table (e.g. a missing extension); it is refused as
    /// `.inconsistent` then.
    public func register(
        _ changes: Schemas.TableChanges, by admin: String?, now: Date = Date(),
        refusal: (RegisteredTable) -> String? = { _ in nil }
    ) async throws -> RegisteredTable {
        guard let name = changes.name, !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw RegistryError.emptyName }
        let id = Identifier.normalize(name)
        guard Identifier.isValid(id) else { throw RegistryError.invalidID(id) }
        let table = try changes.applied(to: RegisteredTable(id: id, name: name, registeredBy: admin, registeredAt: now))
        if let reason = refusal(table) { throw RegistryError.inconsistent(reason) }
        try await system.withConnection { connection in
            do {
                try connection.run(
                    "INSERT INTO table_registry (\(TableRegistry.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    TableRegistry.values(of: table))
            } catch let error as DuckDBError where error.isConstraintViolation {
                throw RegistryError.alreadyRegistered(id)
            }
        }
        return table
    }

    /// Applies `changes` to table `id`; returns the table as stored now. `refusal` as for `register`.
    @discardableResult
    public func update(
        id: String, _ changes: Schemas.TableChanges, refusal: (RegisteredTable) -> String? = { _ in nil }
    ) async throws -> RegisteredTable {
        guard let current = try await find(id: id) else { throw RegistryError.notFound }
        let table = try changes.applied(to: current)
        if let reason = refusal(table) { throw RegistryError.inconsistent(reason) }
        try await system.withConnection { connection in
            var values = Array(TableRegistry.values(of: table).dropFirst())
            values.append(.varchar(id))
            try connection.run(
                """
                UPDATE table_registry SET name = ?, source_type = ?, bucket = ?, source_table = ?, sync_strategy = ?,
                    query_mode = ?, sync_schedule = ?, profile_after_sync = ?, primary_key = ?, folder = ?, description = ?,
                    registered_by = ?, is_public = ?, registered_at = ?, export_columns = ?, where_filters = ?,
                    partition_by = ?, partition_granularity = ?, cursor_column = ?, connection_env = ?, source_query = ?
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
            text(table.exportColumns.isEmpty ? nil : table.exportColumns.joined(separator: ",")),
            text(table.whereFilters.isEmpty ? nil : TableRegistry.json(table.whereFilters)), text(table.partitionBy),
            .varchar(table.partitionGranularity.rawValue), text(table.cursorColumn),
            text(table.connectionEnvironmentVariable), text(table.sourceQuery),
        ]
    }

    static func json(_ filters: [WhereFilter]) -> String {
        (try? JSONEncoder().encode(filters)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    static func table(_ row: [Value]) -> RegisteredTable? {
        guard row.count >= 22, let id = row[0].stringValue, let name = row[1].stringValue else { return nil }
        var table = RegisteredTable(
            id: id, name: name, sourceType: row[2].stringValue, bucket: row[3].stringValue, sourceTable: row[4].stringValue,
            // Rows written before validation existed may hold other values: read them as the defaults.
            syncStrategy: row[5].stringValue.flatMap(SyncStrategy.init(rawValue:)) ?? .fullRefresh,
            queryMode: row[6].stringValue.flatMap(QueryMode.init(rawValue:)) ?? .local,
            syncSchedule: row[7].stringValue.flatMap(SyncSchedule.init), profileAfterSync: row[8].boolValue ?? true,
            primaryKey: row[9].stringValue, folder: row[10].stringValue, description: row[11].stringValue,
            registeredBy: row[12].stringValue, isPublic: row[13].boolValue ?? true, registeredAt: row[14].dateValue ?? Date())
        table.exportColumns = RegisteredTable.names(in: row[15].stringValue)
        table.whereFilters =
            row[16].stringValue.flatMap { try? JSONDecoder().decode([WhereFilter].self, from: Data($0.utf8)) } ?? []
        table.partitionBy = row[17].stringValue
        table.partitionGranularity = row[18].stringValue.flatMap(PartitionGranularity.init(rawValue:)) ?? .month
        table.cursorColumn = row[19].stringValue
        table.connectionEnvironmentVariable = row[20].stringValue
        table.sourceQuery = row[21].stringValue
        return table
    }
}
