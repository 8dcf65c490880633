import Foundation

/// Lists the project's tables for `discover-tables`: every dataset's tables (`datasets.list`, `tables.list`) with
/// their columns, rows and size (`tables.get`).
struct BigQueryDiscovery: Sendable {
    let client: BigQueryClient

    func tables() async throws(BigQueryError) -> [SourceTable] {
        var found: [SourceTable] = []
        for dataset in try await client.datasets().sorted() {
            for listed in try await client.tables(in: dataset).sorted(by: { $0.tableReference.tableId < $1.tableReference.tableId }) {
                let name = listed.tableReference.tableId
                let info = try await client.table(name, in: dataset)
                found.append(
                    SourceTable(
                        id: "\(dataset).\(name)", name: name, bucketID: dataset, bucketName: dataset,
                        columns: info.schema?.fields.map(\.name) ?? [], rowCount: info.numRows.flatMap { Int64($0) } ?? 0,
                        sizeBytes: info.numBytes.flatMap { Int64($0) } ?? 0, primaryKey: [],
                        lastChange: info.lastModifiedTime.flatMap(BigQueryDiscovery.isoTime), lastImport: nil,
                        description: info.description))
            }
        }
        return found
    }

    /// BigQuery's milliseconds since the epoch as ISO 8601.
    static func isoTime(_ milliseconds: String) -> String? {
        guard let value = Double(milliseconds) else { return nil }
        return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: value / 1000))
    }
}
