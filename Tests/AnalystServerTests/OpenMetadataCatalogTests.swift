import AnalystAPI
import AnalystCore
import Connectors
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

/// The catalog routes with OpenMetadata enrichment from a fake catalog: what they show, that they read only the
/// cache, and that an outage of the catalog never breaks or slows them.
struct OpenMetadataCatalogTests {
    static let ordersCSV = "order_id,email,total\n1,a@example.com,10.50\n2,b@example.com,7.25\n"

    func dependencies(in directory: TemporaryDirectory, fake: FakeOpenMetadata) async throws -> ServerDependencies {
        var settings = OpenMetadataSettings(url: try #require(URL(string: fake.url)))
        settings.timeout = .seconds(5)
        return try await makeDependencies(in: directory) {
            $0.connectors = ConnectorSettings(openMetadata: settings, environment: ["OPENMETADATA_TOKEN": fake.token])
        }
    }

    @Test func tablesAndProfilesCarryTheCatalogsWordsFromTheCacheEvenWhileTheCatalogIsDown() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fake = try await FakeOpenMetadata.start()
        fake.put(
            .init(
                fqn: "bigquery.orders", description: "Every web order since 2020.",
                columns: [
                    (name: "order_id", type: "BIGINT", description: "The order's id", tags: []),
                    (name: "EMAIL", type: "VARCHAR", description: "Who ordered", tags: ["PII.Sensitive"]),
                ],
                tags: ["Tier.Tier1", "Domain.Sales"], owners: ["sales.team"]))
        fake.put(.init(fqn: "bigquery.customers", description: "Customers as the catalog knows them"))
        let dependencies = try await dependencies(in: directory, fake: fake)
        let enricher = try #require(dependencies.background.catalog)
        let users = dependencies.stores.users
        let admin = try await users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let ana = try await users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let adminHeaders: HTTPFields = [.authorization: "Bearer \(try await dependencies.signIn.tokens.issue(for: admin, users: users))"]
        let analyst: HTTPFields = [.authorization: "Bearer \(try await dependencies.signIn.tokens.issue(for: ana, users: users))"]

        try await buildApplication(dependencies: dependencies).test(.router) { client in
            #expect(
                try await client.post("/api/admin/register-table", json: #"{"name":"orders"}"#, headers: adminHeaders).status == .created)
            let customers = try await client.post(
                "/api/admin/register-table", json: #"{"name":"customers","description":"The admin's words"}"#, headers: adminHeaders)
            #expect(customers.status == .created)
            let uploaded = try await client.execute(
                uri: "/api/admin/tables/orders/upload", method: .post, headers: adminHeaders.merging([.contentType: "text/csv"]),
                body: ByteBuffer(string: OpenMetadataCatalogTests.ordersCSV))
            #expect(uploaded.status == .created)
            let refreshed = await enricher.refresh()
            #expect(refreshed.enriched == ["customers", "orders"])

            let listed = try await client.execute(uri: "/api/catalog/tables", method: .get, headers: analyst)
            #expect(listed.status == .ok)
            let list = try JSONDecoder.wire().decode(Schemas.CatalogTableList.self, from: Data(buffer: listed.body))
            let orders = try #require(list.tables.first { $0.id == "orders" })
            #expect(orders.description == "Every web order since 2020.", "without a registry description, the catalog's")
            #expect(orders.catalog?.tier == "Tier1")
            #expect(orders.catalog?.tags == ["Domain.Sales"])
            #expect(orders.catalog?.owners == ["sales.team"])
            #expect(orders.catalog?.catalogUrl == fake.url + "/table/bigquery.orders")
            #expect(orders.catalog?.columns.first { $0.name == "EMAIL" }?.tags == ["PII.Sensitive"])
            let described = try #require(list.tables.first { $0.id == "customers" })
            #expect(described.description == "The admin's words", "the admin's description wins")
            #expect(described.catalog?.description == "Customers as the catalog knows them", "the catalog's is still shown")

            let profiled = try await client.execute(uri: "/api/catalog/profile/orders", method: .get, headers: analyst)
            #expect(profiled.status == .ok)
            let profile = try JSONDecoder.wire().decode(Schemas.CatalogProfile.self, from: Data(buffer: profiled.body))
            #expect(profile.catalog?.description == "Every web order since 2020.")
            #expect(profile.catalog?.columns.first { $0.name == "order_id" }?.description == "The order's id")
            #expect(try jsonObject(profiled)["row_count"] as? Int == 2, "the stored profile is still all there")

            // Cached: reading the catalog again asks OpenMetadata nothing.
            let asked = fake.requests.count
            for _ in 0..<3 {
                #expect(try await client.execute(uri: "/api/catalog/tables", method: .get, headers: analyst).status == .ok)
            }
            #expect(fake.requests.count == asked)

            // A refresh hangs on a slow catalog: the catalog answers meanwhile, from the cache.
            fake.setMode(.slow(.seconds(60)))
            async let hanging: (report: CatalogEnricher.Report, ended: ContinuousClock.Instant) = {
                (await enricher.refresh(now: Date().addingTimeInterval(7200)), ContinuousClock.now)
            }()
            while fake.requests.count == asked { try await Task.sleep(for: .milliseconds(10)) }
            let during = try await client.execute(uri: "/api/catalog/tables", method: .get, headers: analyst)
            let answered = ContinuousClock.now
            #expect(during.status == .ok)
            let duringList = try JSONDecoder.wire().decode(Schemas.CatalogTableList.self, from: Data(buffer: during.body))
            #expect(duringList.tables.first { $0.id == "orders" }?.catalog?.tier == "Tier1")
            let (report, ended) = await hanging
            #expect(answered < ended, "the catalog answered while the refresh was still waiting for OpenMetadata")
            #expect(report.error != nil, "the refresh itself gave up after the timeout")

            // Down and failing: still 200, still the last values.
            fake.setMode(.failing(status: 500))
            _ = await enricher.refresh(now: Date().addingTimeInterval(9000))
            await fake.stop()
            _ = await enricher.refresh(now: Date().addingTimeInterval(12_000))
            let down = try await client.execute(uri: "/api/catalog/tables", method: .get, headers: analyst)
            #expect(down.status == .ok)
            let downList = try JSONDecoder.wire().decode(Schemas.CatalogTableList.self, from: Data(buffer: down.body))
            #expect(downList.tables.first { $0.id == "orders" }?.catalog?.tier == "Tier1")
            #expect(try await client.execute(uri: "/api/catalog/profile/orders", method: .get, headers: analyst).status == .ok)
        }
        await fake.stop()
    }

    @Test func withoutOpenMetadataTheCatalogFieldIsNull() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        #expect(dependencies.background.catalog == nil)
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let headers: HTTPFields = [
            .authorization: "Bearer \(try await dependencies.signIn.tokens.issue(for: admin, users: dependencies.stores.users))"
        ]
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            #expect(try await client.post("/api/admin/register-table", json: #"{"name":"orders"}"#, headers: headers).status == .created)
            let listed = try jsonObject(try await client.execute(uri: "/api/catalog/tables", method: .get, headers: headers))
            let entry = try #require((listed["tables"] as? [[String: Any]])?.first)
            #expect(entry["catalog"] is NSNull)
        }
    }

    @Test func aTokenVariableThatIsNotSetTurnsEnrichmentOffAtStart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let settings = OpenMetadataSettings(url: try #require(URL(string: "https://catalog.example.com")))
        let dependencies = try await makeDependencies(in: directory) {
            $0.connectors = ConnectorSettings(openMetadata: settings, environment: [:])
        }
        #expect(dependencies.background.catalog == nil)
    }
}
