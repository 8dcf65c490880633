import AnalystAPI
import AnalystCore
import Connectors
import Hummingbird

/// `GET /api/admin/discover-tables?source=` (admin, reference §1.13): the tables a source offers, each marked with
/// the registry id it was registered as.
struct DiscoveryController {
    let registry: TableRegistry
    let connectors: ConnectorSettings
    /// `data_source.type`; `keboola` when unset.
    let defaultSource: String?

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("discover-tables") { request, _ -> WireResponse<Schemas.DiscoveredTables> in
            WireResponse(try await discover(source: request.uri.queryParameters["source"].map(String.init)))
        }
    }

    /// The tables `source` (default: `data_source.type`, else Keboola) offers, each with the registry id it was
    /// registered as; 502 when the source fails to answer.
    func discover(source requested: String?) async throws -> Schemas.DiscoveredTables {
        let source =
            requested.flatMap { $0.isEmpty ? nil : $0 } ?? defaultSource.flatMap { $0.isEmpty ? nil : $0 }
            ?? KeboolaConnector.sourceName
        let result: DiscoveryResult
        do throws(DiscoveryError) {
            result = try await Discovery.run(source: source, settings: connectors)
        } catch {
            throw APIError(.badGateway, error.description)
        }
        switch result {
        case .unavailable(let reason):
            return .init(tables: [], count: 0, source: source, error: reason)
        case .tables(let found):
            let registered = try await registry.list()
            let tables = found.map { table in
                Schemas.DiscoveredTable(
                    id: table.id, name: table.name, bucketId: table.bucketID, bucketName: table.bucketName,
                    columns: table.columns, rowCount: Int(table.rowCount), sizeBytes: Int(table.sizeBytes),
                    primaryKey: table.primaryKey, lastChange: table.lastChange, lastImport: table.lastImport,
                    description: table.description,
                    registeredAs: registered.first { table.isSource(of: $0, sourceType: source) }?.id)
            }
            return .init(tables: tables, count: tables.count, source: source, error: nil)
        }
    }
}
