import Foundation
import TestSupport
import Testing

/// OpenMetadata from the catalog to an analyst's terminal: the real `da-server` (pointed at a fake catalog by
/// `OPENMETADATA_URL`) enriches the sample data's catalog and exports the catalog's metrics; the real `da` shows the
/// catalog's words in `da explore`, remotely and, after `da sync`, offline.
@Suite struct OpenMetadataEndToEndTests {
    @Test func theCatalogsWordsReachDaExploreAndItsMetricsReachDaSync() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.appending("data")
        let sample = try await CLIProcess.run(
            ["sample-data", "--data-dir", data, "--size", "xs"], environment: [:], binary: "da-server")
        #expect(sample.status == 0, "\(sample.stderr)")
        let fake = try await FakeOpenMetadata.start()
        fake.put(
            .init(
                fqn: "bigquery.orders", description: "<p>Orders as the <b>catalog</b> describes them</p>",
                columns: [(name: "status", type: "VARCHAR", description: "Where the order stands", tags: ["Glossary.OrderStatus"])],
                tags: ["Tier.Tier2"], owners: ["sales.team"]))
        fake.setMetrics([.init(name: "Net Revenue", expression: "SUM(total_amount)", metricType: "SUM", tags: ["Category.Revenue"])])

        let server = try ServerProcess(
            dataDirectory: data,
            environment: [
                "OPENMETADATA_URL": fake.url, "OPENMETADATA_TOKEN": fake.token,
            ].merging(AnalystCLI.seedAdmin) { _, seed in seed })
        try await server.waitUntilHealthy()
        let da = AnalystCLI(directory: directory, server: server)
        let login = try await da.signInAsAdmin()
        #expect(login.status == 0, "\(login.stderr)")

        // The background refresh at start fetches every registered table; profiles are made after start too.
        var remote: [String: Any] = [:]
        try await waitFor("the enriched profile of orders") {
            let result = try await da(["explore", "--remote", "orders", "--json"])
            remote = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
            return (remote["catalog"] as? [String: Any])?["tier"] as? String == "Tier2"
        }
        let catalog = try #require(remote["catalog"] as? [String: Any])
        #expect(catalog["description"] as? String == "Orders as the catalog describes them")
        #expect(catalog["owners"] as? [String] == ["sales.team"])
        #expect(catalog["catalog_url"] as? String == fake.url + "/table/bigquery.orders")
        let status = (remote["columns"] as? [[String: Any]])?.first { $0["name"] as? String == "status" }
        #expect(status?["description"] as? String == "Where the order stands")
        #expect(status?["tags"] as? [String] == ["Glossary.OrderStatus"])
        let text = try await da(["explore", "--remote", "orders"])
        #expect(text.stdout.contains("Catalog — owners: sales.team; tier: Tier2"), "\(text.stdout)")
        #expect(text.stdout.contains("Where the order stands [Glossary.OrderStatus]"), "\(text.stdout)")

        // `da sync` brings the exported metric and the table doc; local explore reads the catalog's words offline.
        let workspace = directory.appending("workspace")
        let metric = workspace + "/server/docs/metrics/revenue/net_revenue.yml"
        try await waitFor("the exported metric in the workspace") {
            let synced = try await da(["sync"])
            #expect(synced.status == 0, "\(synced.stderr)")
            return FileManager.default.fileExists(atPath: metric)
        }
        let yaml = try String(contentsOfFile: metric, encoding: .utf8)
        #expect(yaml.contains("expression: \"SUM(total_amount)\""), "\(yaml)")
        #expect(FileManager.default.fileExists(atPath: workspace + "/server/docs/metrics/revenue/total_revenue.yml"), "starters stay")
        let local = try await da(["explore", "orders", "--json"])
        #expect(local.status == 0, "\(local.stderr)")
        let overview = (try? JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [String: Any]) ?? [:]
        #expect(overview["source"] as? String == "local")
        #expect((overview["catalog"] as? [String: Any])?["tier"] as? String == "Tier2")
        #expect(
            (overview["columns"] as? [[String: Any]])?.first { $0["name"] as? String == "status" }?["description"] as? String
                == "Where the order stands")

        #expect(!server.log.contains(fake.token), "the token never reaches the server's log")
        _ = await server.stop()
        await fake.stop()
    }

    /// Polls `condition` for up to 30 seconds.
    func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<150 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("timed out waiting for \(what)")
    }
}
