import Foundation
import TestSupport
import Testing

/// BigQuery from registration to an analyst's query: the real `da-server` (pointed at a fake BigQuery by
/// `bigquery.api_url`, with a service-account key file whose `token_uri` is the fake's) and the real `da`.
@Suite struct BigQueryEndToEndTests {
    @Test func registerSyncQueryIncrementalAndARefusedRemoteTable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fake = try await FakeBigQuery.start()
        let fields: [FakeBigQuery.Field] = [
            .init("id", "INT64"), .init("amount", "NUMERIC"), .init("at", "TIMESTAMP"), .init("tags", "STRING", mode: "REPEATED"),
        ]
        fake.createTable(
            dataset: "sales", name: "orders", fields: fields,
            rows: [
                [.text("1"), .text("10.123456789"), .text("1700000000000001"), .list([.text("a")])],
                [.text("2"), .text("20.5"), .text("1700000000000002"), .list([])],
            ])
        fake.setPageSize(1)
        let keyFile = try fake.writeKeyFile(in: directory.path)

        let config = directory.appending("config")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try "bigquery:\n  project: \(fake.project)\n  location: EU\n  api_url: \(fake.url)\n".write(
            toFile: config + "/instance.yaml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: [
                "CONFIG_DIR": config, "GOOGLE_APPLICATION_CREDENTIALS": keyFile, "DUCKDB_HOME": directory.appending("duckdb-home"),
            ].merging(AnalystCLI.seedAdmin) { _, seed in seed })
        try await server.waitUntilHealthy()
        let da = AnalystCLI(directory: directory, server: server)
        let login = try await da.signInAsAdmin()
        #expect(login.status == 0, "\(login.stderr)")

        let orders = try await da([
            "admin", "tables", "register", "orders", "--source-type", "bigquery", "--bucket", "sales", "--source-table", "orders",
            "--sync-strategy", "incremental", "--cursor-column", "at", "--primary-key", "id",
        ])
        #expect(orders.status == 0, "\(orders.stderr)")
        let remote = try await da([
            "admin", "tables", "register", "live", "--source-type", "bigquery", "--bucket", "sales", "--source-table", "orders",
            "--query-mode", "remote",
        ])
        #expect(remote.status != 0 && remote.stderr.contains("bigquery.duckdb_extension"), "\(remote.stderr)")

        let first = try await da(["setup", "first-sync", "--json"])
        #expect(first.status == 0 && first.stdout.contains("succeeded"), "\(first.stdout) \(first.stderr)")
        let sync = try await da(["sync"])
        #expect(sync.status == 0, "\(sync.stderr)")
        let types = try await da([
            "query", "--format", "csv", "SELECT typeof(id), typeof(amount), typeof(\"at\"), typeof(tags) FROM orders LIMIT 1",
        ])
        #expect(types.stdout.contains("BIGINT,\"DECIMAL(38,9)\",TIMESTAMP WITH TIME ZONE,VARCHAR[]"), "\(types.stdout) \(types.stderr)")

        fake.put(
            dataset: "sales", name: "orders", key: "id",
            rows: [[.text("2"), .text("25.000000001"), .text("1700000000000009"), .list([.text("b"), .text("c")])]])
        let second = try await da(["setup", "first-sync", "--json"])
        #expect(second.status == 0, "\(second.stdout) \(second.stderr)")
        #expect(fake.queries.last?.contains("WHERE `at` > TIMESTAMP_MICROS(1700000000000002)") == true, "\(fake.queries)")
        _ = try await da(["sync"])
        let rows = try await da(["query", "--format", "csv", "SELECT id, amount, len(tags) FROM orders ORDER BY id"])
        let lines = rows.stdout.split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines == ["id,amount,len(tags)", "1,10.123456789,1", "2,25.000000001,2"], "\(rows.stdout) \(rows.stderr)")

        // Neither a token nor the key appears in what the server logged.
        for secret in fake.issuedTokens + [fake.privateKeyPEM] { #expect(!server.log.contains(secret)) }
        #expect(fake.tokenRequests == 1)
        _ = await server.stop()
        await fake.stop()
    }
}
