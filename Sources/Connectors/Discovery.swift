import AnalystCore
import Foundation

/// A table a source offers, as discovery lists it (reference §1.13's fields).
public struct SourceTable: Sendable, Equatable {
    /// The source's id of the table, e.g. `in.c-sales.orders`.
    public var id: String
    public var name: String
    public var bucketID: String
    public var bucketName: String
    public var columns: [String]
    public var rowCount: Int64
    public var sizeBytes: Int64
    public var primaryKey: [String]
    public var lastChange: String?
    public var lastImport: String?
    public var description: String?

    /// Whether registry row `table` was registered from this table.
    public func isSource(of table: RegisteredTable, sourceType: String) -> Bool {
        table.sourceType == sourceType && table.bucket == bucketID && table.sourceTableName == name
    }
}

/// What discovery found, or why it has nothing to show.
public enum DiscoveryResult: Sendable {
    case tables([SourceTable])
    /// Discovery cannot run for this source (not implemented, or not configured); the reason for the admin.
    case unavailable(String)
}

/// Discovery failed at the source (unreachable, token refused); the message is safe to show (no secrets).
public struct DiscoveryError: Error, CustomStringConvertible {
    public let description: String
}

/// Asks a source which tables it has.
public enum Discovery {
    public static func run(source: String, settings: ConnectorSettings) async throws(DiscoveryError) -> DiscoveryResult {
        switch source {
        case KeboolaConnector.sourceName:
            guard let keboola = settings.keboola else {
                return .unavailable("Keboola is not configured: set keboola.url in instance.yaml or KEBOOLA_STACK_URL")
            }
            switch keboola.client(environment: settings.environment) {
            case .failure(let error):
                return .unavailable(error.description)
            case .success(let client):
                do {
                    return .tables(try await KeboolaDiscovery(client: client).tables())
                } catch {
                    throw DiscoveryError(description: "Discovery failed: \(error.description)")
                }
            }
        case BigQueryConnector.sourceName:
            guard let bigquery = settings.bigquery else {
                return .unavailable("BigQuery is not configured: set bigquery.project in instance.yaml or BIGQUERY_PROJECT")
            }
            let authenticator = BigQueryAuthenticator(settings: bigquery, environment: settings.environment)
            do throws(BigQueryError) {
                return .tables(
                    try await BigQueryDiscovery(client: BigQueryClient(settings: bigquery, authenticator: authenticator)).tables())
            } catch {
                throw DiscoveryError(description: "Discovery failed: \(await authenticator.scrub(error.description))")
            }
        default:
            return .unavailable("Discovery not implemented for this source")
        }
    }
}
