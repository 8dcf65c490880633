import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer
@testable import Connectors

/// A remote BigQuery table needs DuckDB's bigquery extension file: registering one without it is refused at the
/// registry routes (422, saying where to put the file), and accepted once the file is there.
struct BigQueryRegistrationRouteTests {
    @Test func aRemoteBigQueryTableIsRefusedUntilTheExtensionFileExists() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let home = directory.appending("duckdb-home")
        let dependencies = try await makeDependencies(in: directory) {
            $0.connectors = ConnectorSettings(environment: ["DUCKDB_HOME": home])
        }
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let token = try await dependencies.signIn.tokens.issue(for: admin, users: dependencies.stores.users)
        let extensionFile = "\(home)/extensions/v1.5.5/\(BigQueryExtension.platform)/bigquery.duckdb_extension"
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)"]
            let remote = #"{"name":"live","source_type":"bigquery","bucket":"sales","source_table":"orders","query_mode":"remote"}"#
            let refused = try await client.post("/api/admin/register-table", json: remote, headers: headers)
            #expect(refused.status == .unprocessableContent)
            let detail = try jsonObject(refused)["detail"] as? String ?? ""
            #expect(detail.contains("put bigquery.duckdb_extension for DuckDB v1.5.5") && detail.contains(extensionFile), "\(detail)")
            #expect(try await dependencies.stores.registry.find(id: "live") == nil)

            // A local table registers; switching it to remote is refused the same way and leaves it local.
            let local = #"{"name":"live","source_type":"bigquery","bucket":"sales","source_table":"orders"}"#
            #expect(try await client.post("/api/admin/register-table", json: local, headers: headers).status == .created)
            let change = try await client.execute(
                uri: "/api/admin/registry/live", method: .put, headers: headers.merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"query_mode":"remote"}"#))
            #expect(change.status == .unprocessableContent)
            #expect(try await dependencies.stores.registry.find(id: "live")?.queryMode == .local)

            try FileManager.default.createDirectory(
                atPath: (extensionFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: extensionFile, contents: Data("extension".utf8)))
            let accepted = try await client.execute(
                uri: "/api/admin/registry/live", method: .put, headers: headers.merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"query_mode":"remote"}"#))
            #expect(accepted.status == .ok)
            #expect(try await dependencies.stores.registry.find(id: "live")?.queryMode == .remote)
        }
        await dependencies.close()
    }
}
