import AnalystAPI
import AnalystCore
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing
import Yams

@testable import Connectors

/// OpenMetadata catalog enrichment against a fake catalog speaking OpenMetadata's wire protocol.
@Suite struct OpenMetadataTests {
    static let orders = FakeOpenMetadata.Table(
        fqn: "warehouse.sales.public.orders", description: "<p>Every order, <strong>one row</strong> per order.</p>",
        columns: [
            (name: "order_id", type: "BIGINT", description: "The order's id", tags: []),
            (name: "email", type: "VARCHAR", description: "Who ordered", tags: ["PII.Sensitive"]),
        ],
        tags: ["Tier.Tier1", "Domain.Sales"], owners: ["sales.team", "ana"])

    /// A data directory with a registry, a fake catalog and an enricher pointed at it.
    struct Fixture {
        let directory: TemporaryDirectory
        let data: DataDirectory
        let system: SystemDatabase
        let registry: TableRegistry
        let fake: FakeOpenMetadata
        let logs: LogCapture
        let enricher: CatalogEnricher
        let docsChanges: Counter

        /// `timeout` stays generous where a test does not time requests out: the whole suite runs at once on two cores.
        static func start(
            ttl: Duration = .seconds(3600), timeout: Duration = .seconds(10), configure: (inout OpenMetadataSettings) -> Void = { _ in }
        ) async throws -> Fixture {
            let directory = try TemporaryDirectory()
            let data = DataDirectory(directory.appending("data"))
            try data.prepare()
            let logs = LogCapture()
            let system = try SystemDatabase(path: data.systemDatabase.path, logger: logs.logger())
            let registry = TableRegistry(system: system)
            let fake = try await FakeOpenMetadata.start()
            var settings = OpenMetadataSettings(url: try #require(URL(string: fake.url)))
            settings.fqnOverrides = ["orders": "warehouse.sales.public.orders"]
            settings.fqnPrefix = "warehouse.sales.public."
            settings.cacheTTL = ttl
            settings.timeout = timeout
            configure(&settings)
            let counter = Counter()
            let enricher = CatalogEnricher(
                settings: settings, token: fake.token, registry: registry, directory: data, logger: logs.logger(level: .debug),
                onDocsChanged: { counter.increment() })
            return Fixture(
                directory: directory, data: data, system: system, registry: registry, fake: fake, logs: logs, enricher: enricher,
                docsChanges: counter)
        }

        func register(_ names: String...) async throws {
            for name in names { _ = try await registry.register(Schemas.TableChanges(name: name), by: nil) }
        }

        func stop() async {
            await fake.stop()
            await system.close()
            directory.remove()
        }
    }

    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    // MARK: - Settings

    @Test func settingsRefusePlainHTTPToAnotherHostAndTokensWrittenIntoTheFile() throws {
        func resolve(_ yaml: String, _ environment: [String: String] = [:]) throws -> OpenMetadataSettings? {
            let instance = try InstanceConfig.parse(yaml: yaml, path: nil, environment: environment)
            return try ConnectorSettings.resolve(instance: instance, environment: environment).openMetadata
        }
        #expect(try resolve("server:\n  port: 8000\n") == nil, "not configured: no enrichment")
        #expect(throws: ConnectorSettingsError.self) { try resolve("openmetadata:\n  url: http://catalog.example.com\n") }
        let loopback = try #require(try resolve("openmetadata:\n  url: http://127.0.0.1:8585\n"))
        #expect(loopback.tokenVariable == "OPENMETADATA_TOKEN")
        #expect(loopback.cacheTTL == .seconds(3600))
        #expect(loopback.fqn(for: "orders") == "bigquery.orders", "the reference's default")

        let secret = "eyJhbGciOi-secret-token"
        do {
            _ = try resolve("openmetadata:\n  url: https://catalog.example.com\n  token: \(secret)\n")
            Issue.record("a token written into instance.yaml must be refused")
        } catch let error as ConnectorSettingsError {
            #expect(error.description.contains("${VARIABLE}"))
            #expect(!error.description.contains(secret), "the refusal never repeats the token")
        }
        #expect(throws: ConnectorSettingsError.self, "refused even when token_env names another variable") {
            try resolve("openmetadata:\n  url: https://catalog.example.com\n  token_env: OM_TOKEN\n  token: \(secret)\n")
        }
        let referenced = try #require(
            try resolve(
                """
                openmetadata:
                  url: https://catalog.example.com
                  token: ${OM_BOT_TOKEN}
                  cache_ttl_seconds: 60
                  fqn_prefix: "snowflake.db.public."
                  tables:
                    orders: warehouse.sales.public.orders
                """, ["OM_BOT_TOKEN": secret]))
        #expect(referenced.tokenVariable == "OM_BOT_TOKEN")
        #expect(referenced.token(environment: ["OM_BOT_TOKEN": secret]) == secret)
        #expect(referenced.cacheTTL == .seconds(60))
        #expect(referenced.fqn(for: "orders") == "warehouse.sales.public.orders")
        #expect(referenced.fqn(for: "customers") == "snowflake.db.public.customers")
        #expect(throws: ConnectorSettingsError.self) {
            try resolve("openmetadata:\n  url: https://catalog.example.com\n  token_env: not-a-name\n")
        }
    }

    // MARK: - Enrichment

    @Test func aRefreshEnrichesRegisteredTablesAndRequestsReadOnlyTheCache() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.put(OpenMetadataTests.orders)
        try await fixture.register("orders", "customers")

        let report = await fixture.enricher.refresh()
        #expect(report.error == nil)
        #expect(report.enriched == ["orders"])
        #expect(report.notInCatalog == ["customers"], "a table the catalog does not know is not a failure")
        let asked = fixture.fake.requests
        #expect(asked.contains("/api/v1/tables/name/warehouse.sales.public.orders?fields=columns,tags,owners"))
        #expect(asked.contains { $0.hasPrefix("/api/v1/tables/name/warehouse.sales.public.customers") })

        let catalog = await fixture.enricher.catalog(for: ["orders", "customers"])
        let orders = try #require(catalog["orders"])
        #expect(catalog["customers"] == nil)
        #expect(orders.description == "Every order, one row per order.", "HTML is reduced to plain text")
        #expect(orders.tier == "Tier1")
        #expect(orders.tags == ["Domain.Sales"])
        #expect(orders.owners == ["sales.team", "ana"])
        #expect(orders.catalogURL == fixture.fake.url + "/table/warehouse.sales.public.orders")
        #expect(orders.column("EMAIL")?.tags == ["PII.Sensitive"])
        #expect(orders.column("order_id")?.description == "The order's id")

        // Within the TTL the catalog is not asked again, however often the catalog is read.
        let before = fixture.fake.requests.count
        for _ in 0..<5 { _ = await fixture.enricher.catalog(for: ["orders", "customers"]) }
        #expect(await fixture.enricher.refreshIfDue(now: Date().addingTimeInterval(60)) == nil)
        #expect(fixture.fake.requests.count == before, "cached: no request within the TTL")
        // After the TTL it is.
        fixture.fake.put(.init(fqn: "warehouse.sales.public.orders", description: "Orders, revised"))
        let later = await fixture.enricher.refreshIfDue(now: Date().addingTimeInterval(3601))
        #expect(later?.enriched == ["orders"])
        #expect(fixture.fake.requests.count > before)
        #expect(await fixture.enricher.catalog(for: ["orders"])["orders"]?.description == "Orders, revised")

        // A table leaves the registry: it leaves the cache and its generated doc goes.
        try await fixture.registry.delete(id: "orders")
        let afterDelete = await fixture.enricher.refresh(now: Date().addingTimeInterval(7300))
        #expect(afterDelete.tableDocs?.removed == ["orders.yml"])
        #expect(await fixture.enricher.catalog(for: ["orders"]).isEmpty)
    }

    @Test func tablesARequestFindsMissingAreFetchedInTheBackground() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.put(OpenMetadataTests.orders)
        try await fixture.register("customers")
        _ = await fixture.enricher.refresh()
        try await fixture.register("orders")

        #expect(await fixture.enricher.catalog(for: ["orders"]).isEmpty, "a request never waits for the catalog")
        let report = try #require(await fixture.enricher.refreshIfDue())
        #expect(report.enriched == ["orders"], "only the missing table is fetched")
        #expect(await fixture.enricher.catalog(for: ["orders"])["orders"]?.tier == "Tier1")
    }

    @Test func anOutageKeepsTheLastValuesLogsOnceAndNeverLogsTheToken() async throws {
        let fixture = try await Fixture.start(timeout: .seconds(2))
        defer { Task { await fixture.stop() } }
        fixture.fake.put(OpenMetadataTests.orders)
        try await fixture.register("orders", "customers", "products", "payments", "returns", "stores")
        // The values an outage must keep: loaded first (retried: while every suite starts at once, a request with this
        // test's 2 s timeout can run out, and then there would be nothing to keep).
        var loaded = await fixture.enricher.refresh()
        for _ in 0..<5 where loaded.error != nil { loaded = await fixture.enricher.refresh() }
        try #require(loaded.error == nil, "the first load: \(loaded.error ?? "")")
        let linesBefore = fixture.logs.lines.count
        let tableRequestsBefore = fixture.fake.requests.filter { $0.hasPrefix("/api/v1/tables") }.count

        fixture.fake.setMode(.failing(status: 500))
        let failed = await fixture.enricher.refresh(now: Date().addingTimeInterval(3601))
        #expect(failed.error?.contains("HTTP 500") == true)
        #expect(
            fixture.fake.requests.filter { $0.hasPrefix("/api/v1/tables") }.count - tableRequestsBefore
                <= CatalogEnricher.concurrentRequests,
            "the refresh stops after the first failing batch")
        #expect(await fixture.enricher.catalog(for: ["orders"])["orders"]?.tier == "Tier1", "the last values are served")
        #expect(await fixture.enricher.refreshIfDue(now: Date().addingTimeInterval(3610)) == nil, "no retry within a minute")
        _ = await fixture.enricher.refresh(now: Date().addingTimeInterval(3700))

        // Slow: the requests give up after the timeout, and the refresh after the first batch.
        fixture.fake.setMode(.slow(.seconds(60)))
        let asked = fixture.fake.requests.count
        let started = ContinuousClock.now
        let slow = await fixture.enricher.refresh(now: Date().addingTimeInterval(3800))
        #expect(slow.error?.contains("could not be reached") == true)
        #expect(ContinuousClock.now - started < .seconds(30), "the timeout, not the catalog, decides how long a refresh waits")
        #expect(
            fixture.fake.requests.count - asked == CatalogEnricher.concurrentRequests, "one batch of 4 for 6 tables, then it stops")

        // Down: connection refused.
        await fixture.fake.stop()
        let down = await fixture.enricher.refresh(now: Date().addingTimeInterval(3900))
        #expect(down.error?.contains("could not be reached") == true)
        #expect(await fixture.enricher.catalog(for: ["orders"])["orders"] != nil)

        let warnings = fixture.logs.lines.dropFirst(linesBefore).filter { $0.contains("\"warning\"") && $0.contains("OpenMetadata") }
        #expect(warnings.count == 1, "one warning per outage, not one per table or refresh: \(warnings)")
        #expect(!fixture.logs.lines.joined().contains(fixture.fake.token), "the token never reaches a log line")
    }

    @Test func aRefusedTokenIsReportedWithoutTheToken() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        try await fixture.register("orders")
        let enricher = CatalogEnricher(
            settings: fixture.enricher.settings, token: "wrong-token-123", registry: fixture.registry, directory: fixture.data,
            logger: fixture.logs.logger())
        let report = await enricher.refresh()
        #expect(report.error?.contains("refused the token") == true)
        #expect(report.error?.contains("wrong-token-123") == false)
        #expect(!fixture.logs.lines.joined().contains("wrong-token-123"))
    }

    // MARK: - Docs export

    @Test func metricsAreExportedAsYAMLAndStaleGeneratedFilesOnlyAreRemoved() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.put(OpenMetadataTests.orders)
        try await fixture.register("orders")
        // 150 metrics: two pages of 100.
        var metrics = [
            FakeOpenMetadata.Metric(
                name: "M1 Operational Margin", displayName: "M1 Operational Margin",
                description: "<p>Margin after <em>operating</em> costs &amp; fees.</p>", expression: "SUM(revenue - cost) / SUM(revenue)",
                metricType: "RATIO", unit: "PERCENTAGE", granularity: "MONTH",
                tags: ["MetricCategory.Finance", "Dimension.region", "Dimension.channel"], owners: ["finance.team"]),
            FakeOpenMetadata.Metric(
                name: "monthly_orders", expression: "SELECT date_trunc('month', created_at) AS month, count(*)\nFROM orders\nGROUP BY 1",
                metricType: "COUNT", granularity: "MONTH", tags: ["Category.Sales"]),
            FakeOpenMetadata.Metric(name: "yes", description: "a name YAML would read as a boolean"),
        ]
        for index in 0..<147 { metrics.append(.init(name: "bulk metric \(index)", tags: ["Category.Bulk"])) }
        fixture.fake.setMetrics(metrics)
        let metricsRoot = fixture.data.docs.appendingPathComponent("metrics")
        let handWritten = metricsRoot.appendingPathComponent("finance/m1_operational_margin.yml")
        let handWrittenOther = metricsRoot.appendingPathComponent("revenue/total_revenue.yml")
        for file in [handWritten, handWrittenOther] {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try "- name: hand_written\n".write(to: file, atomically: true, encoding: .utf8)
        }

        let first = await fixture.enricher.refresh()
        let outcome = try #require(first.metrics)
        #expect(outcome.handWritten == ["finance/m1_operational_margin.yml"], "a hand-written file at the same path wins")
        #expect(outcome.written.contains("sales/monthly_orders.yml"))
        #expect(outcome.written.contains("metrics.yml"))
        #expect(outcome.written.filter { $0.hasPrefix("bulk/") }.count == 147, "every page is read")
        #expect(fixture.fake.requests.contains { $0.contains("/api/v1/metrics") && $0.contains("after=") })
        #expect(try String(contentsOf: handWritten, encoding: .utf8) == "- name: hand_written\n")
        #expect(fixture.docsChanges.count == 1, "the manifest's docs hash is refreshed after a change")

        let orders = try String(contentsOf: metricsRoot.appendingPathComponent("sales/monthly_orders.yml"), encoding: .utf8)
        #expect(orders.hasPrefix(GeneratedDocs.marker))
        let parsed = try #require(try Yams.load(yaml: orders) as? [[String: Any]])
        let definition = try #require(parsed.first)
        #expect(definition["name"] as? String == "monthly_orders")
        #expect(definition["category"] as? String == "sales")
        #expect(definition["type"] as? String == "count")
        #expect(definition["grain"] as? String == "monthly")
        #expect((definition["sql"] as? String)?.hasPrefix("SELECT date_trunc('month', created_at)") == true, "a query is the canonical sql")
        #expect(definition["expression"] == nil)
        let yes = try String(contentsOf: metricsRoot.appendingPathComponent("general/yes.yml"), encoding: .utf8)
        #expect((try Yams.load(yaml: yes) as? [[String: Any]])?.first?["name"] as? String == "yes", "stays a string")
        let index = try #require(
            try Yams.load(yaml: String(contentsOf: metricsRoot.appendingPathComponent("metrics.yml"), encoding: .utf8)) as? [String: Any])
        #expect((index["metrics"] as? [[String: Any]])?.count == 150)
        let tableDoc = try String(contentsOf: fixture.data.docs.appendingPathComponent("tables/orders.yml"), encoding: .utf8)
        #expect(tableDoc.contains("Every order, one row per order."))

        // Unchanged catalog: nothing is rewritten (the docs hash stays, so `da sync` fetches nothing).
        let second = await fixture.enricher.refresh(now: Date().addingTimeInterval(3601))
        #expect(second.metrics?.written == [])
        #expect(fixture.docsChanges.count == 1)

        // A metric leaves the catalog: its generated file goes, hand-written files stay.
        fixture.fake.setMetrics(Array(metrics.prefix(2)))
        let third = await fixture.enricher.refresh(now: Date().addingTimeInterval(7202))
        #expect(third.metrics?.removed.count == 148)
        #expect(!FileManager.default.fileExists(atPath: metricsRoot.appendingPathComponent("bulk").path), "empty folders go too")
        #expect(FileManager.default.fileExists(atPath: handWrittenOther.path))
        #expect(FileManager.default.fileExists(atPath: handWritten.path))

        // The catalog is down: nothing is deleted.
        fixture.fake.setMode(.failing(status: 503))
        let failed = await fixture.enricher.refresh(now: Date().addingTimeInterval(10_803))
        #expect(failed.metrics == nil)
        #expect(failed.tableDocs?.removed == [])
        #expect(FileManager.default.fileExists(atPath: metricsRoot.appendingPathComponent("sales/monthly_orders.yml").path))
        #expect(FileManager.default.fileExists(atPath: fixture.data.docs.appendingPathComponent("tables/orders.yml").path))
    }

    @Test func metricYAMLFollowsTheReferenceFormat() throws {
        let metric = OpenMetadataMetric(
            name: "Net Revenue (EUR)", fullyQualifiedName: "net_revenue_eur", displayName: "Net Revenue",
            description: "Revenue <b>after</b> refunds", metricExpression: .init(language: "SQL", code: "SUM(net)"),
            metricType: "SUM", unitOfMeasurement: "DOLLARS", granularity: "DAY",
            tags: [.init(tagFQN: "MetricCategory.Revenue"), .init(tagFQN: "Dimension.country")],
            owners: [.init(name: "finance", displayName: "Finance", type: "team")])
        let file = try #require(CatalogDocs.metric(metric, pageURL: "https://catalog.example.com/metric/net_revenue_eur"))
        #expect(file.path == "revenue/net_revenue_eur.yml")
        let parsed = try #require(try Yams.load(yaml: try file.yaml.render()) as? [[String: Any]])
        let definition = try #require(parsed.first)
        #expect(definition["display_name"] as? String == "Net Revenue")
        #expect(definition["unit"] as? String == "USD")
        #expect(definition["grain"] as? String == "daily")
        #expect(definition["expression"] as? String == "SUM(net)")
        #expect(definition["description"] as? String == "Revenue after refunds")
        #expect(definition["dimensions"] as? [String] == ["country"])
        #expect(definition["owners"] as? [String] == ["finance"])
        #expect(CatalogDocs.metric(OpenMetadataMetric(name: "%%%"), pageURL: "") == nil)
        #expect(CatalogDocs.fileName("../../etc/passwd") == "etc_passwd", "no path can come out of a name")
    }
}
