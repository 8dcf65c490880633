import AnalystAPI
import AnalystCore

extension Schemas.RegisteredTable {
    /// A registry row in the reference's field names.
    init(_ table: RegisteredTable) {
        self.init(
            id: table.id, name: table.name, sourceType: table.sourceType, bucket: table.bucket, sourceTable: table.sourceTable,
            syncStrategy: table.syncStrategy, queryMode: table.queryMode, syncSchedule: table.syncSchedule?.description,
            profileAfterSync: table.profileAfterSync, primaryKey: table.primaryKey, folder: table.folder,
            description: table.description, registeredBy: table.registeredBy, isPublic: table.isPublic,
            registeredAt: table.registeredAt,
            exportColumns: table.exportColumns.isEmpty ? nil : table.exportColumns.joined(separator: ","),
            whereFilters: table.whereFilters, partitionBy: table.partitionBy,
            partitionGranularity: table.partitionGranularity, cursorColumn: table.cursorColumn,
            connectionEnv: table.connectionEnvironmentVariable, sourceQuery: table.sourceQuery)
    }
}
