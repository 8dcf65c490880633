import Foundation

/// Lists a Keboola project's tables with their buckets, columns and sizes.
struct KeboolaDiscovery: Sendable {
    let client: KeboolaClient

    func tables() async throws(KeboolaError) -> [SourceTable] {
        let buckets = Dictionary(try await client.buckets().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let tables = try await client.tables()
        return tables.map { table in
            let bucketID = table.bucket?.id ?? String(table.id.split(separator: ".").dropLast().joined(separator: "."))
            let bucket = buckets[bucketID]
            return SourceTable(
                id: table.id, name: table.name, bucketID: bucketID,
                bucketName: bucket?.displayName ?? bucket?.name ?? table.bucket?.displayName ?? table.bucket?.name ?? bucketID,
                columns: table.columns ?? [], rowCount: table.rowsCount ?? 0, sizeBytes: table.dataSizeBytes ?? 0,
                primaryKey: table.primaryKey ?? [], lastChange: table.lastChangeDate, lastImport: table.lastImportDate,
                description: table.description)
        }
        .sorted { $0.id < $1.id }
    }
}
