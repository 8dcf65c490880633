import Foundation
import TestSupport
import Testing

/// Keboola from discovery to an analyst's query: the real `da-server` (pointed at a fake Storage API by
/// `KEBOOLA_STACK_URL`) and the real `da`.
@Suite struct KeboolaEndToEndTests {
    static let orderColumns: [FakeKeboola.Column] = [
        .typed("id", "INTEGER"), .typed("amount", "NUMERIC", length: "10,2"), .typed("ordered", "DATE"),
        .typed("paid", "BOOLEAN"), .init("customer"),
    ]

    @Test func discoverRegisterSyncQueryIncrementalAndARevokedTable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fake = try await FakeKeboola.start(files: URL(fileURLWithPath: directory.appending("kbc-files")))
        fake.createTable(
            "in.c-sales.orders", columns: Self.orderColumns, primaryKey: ["id"],
            rows: [["1", "10.50", "2026-01-02", "true", "Ann"], ["2", "20.00", "2026-01-03", "false", "Bob"]],
            description: "Shop orders", shape: .init(slices: 2, gzip: true))
        fake.createTable("in.c-hr.salaries", columns: [.typed("id", "INTEGER"), .typed("salary", "INTEGER")], rows: [["1", "100"]])

        // A short scheduler period, so the scheduled table runs within the test.
        let config = directory.appending("config")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try "sync:\n  schedule_check_seconds: 1\n".write(toFile: config + "/instance.yaml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: [
                "CONFIG_DIR": config, "KEBOOLA_STACK_URL": fake.url, "KEBOOLA_STORAGE_TOKEN": fake.token,
            ].merging(AnalystCLI.seedAdmin) { _, seed in seed })
        try await server.waitUntilHealthy()
        let da = AnalystCLI(directory: directory, server: server)
        func json(_ arguments: [String]) async throws -> [String: Any] {
            let result = try await da(arguments + ["--json"])
            #expect(result.status == 0, "\(arguments): \(result.stdout) \(result.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        let login = try await da.signInAsAdmin()
        #expect(login.status == 0, "\(login.stderr)")

        // Discovery lists both tables, nothing registered yet.
        let discovered = try await json(["admin", "tables", "discover"])
        let found = try #require(discovered["tables"] as? [[String: Any]])
        #expect(found.map { $0["id"] as? String } == ["in.c-hr.salaries", "in.c-sales.orders"])
        #expect(found.allSatisfy { $0["registered_as"] is NSNull })
        #expect(found.last?["description"] as? String == "Shop orders" && found.last?["primary_key"] as? [String] == ["id"])

        // Register: orders incremental (triggered by hand), salaries on a schedule (run by the server's scheduler).
        let orders = try await da([
            "admin", "tables", "register", "orders", "--source-type", "keboola", "--bucket", "in.c-sales", "--source-table",
            "orders", "--sync-strategy", "incremental", "--primary-key", "id",
        ])
        #expect(orders.status == 0, "\(orders.stderr)")
        let salaries = try await da([
            "admin", "tables", "register", "salaries", "--source-type", "keboola", "--bucket", "in.c-hr", "--sync-schedule",
            "every 15m",
        ])
        #expect(salaries.status == 0, "\(salaries.stderr)")
        let incomplete = try await da([
            "admin", "tables", "register", "bad", "--source-type", "keboola", "--bucket", "in.c-sales", "--sync-strategy",
            "incremental",
        ])
        #expect(incomplete.status != 0 && incomplete.stderr.contains("needs primary_key"), "\(incomplete.stderr)")
        let rediscovered = try #require(try await json(["admin", "tables", "discover"])["tables"] as? [[String: Any]])
        #expect(rediscovered.map { $0["registered_as"] as? String } == ["salaries", "orders"])

        // The scheduler runs the scheduled table on its own.
        try await waitFor("the scheduled run of salaries") {
            let history = try await json(["admin", "tables", "history", "salaries"])
            return (history["entries"] as? [[String: Any]])?.first?["status"] as? String == "ok"
        }

        // A triggered run publishes orders; the analyst's copy has Keboola's types.
        let first = try await json(["setup", "first-sync"])
        #expect(first["status"] as? String == "succeeded", "\(first)")
        let sync = try await da(["sync"])
        #expect(sync.status == 0, "\(sync.stderr)")
        let types = try await da([
            "query", "--format", "csv",
            "SELECT typeof(id), typeof(amount), typeof(ordered), typeof(paid), typeof(customer) FROM orders LIMIT 1",
        ])
        #expect(types.stdout.contains("BIGINT,\"DECIMAL(10,2)\",DATE,BOOLEAN,VARCHAR"), "\(types.stdout) \(types.stderr)")

        // An incremental run reads only the changed rows and upserts them.
        try await Task.sleep(for: .milliseconds(1100))
        fake.put("in.c-sales.orders", rows: [["2", "25.00", "2026-01-03", "true", "Bob"], ["3", "5.00", "2026-02-01", "false", "Cy"]])
        let second = try await json(["setup", "first-sync"])
        let results = try #require(second["results"] as? [[String: Any]])
        let ordersResult = try #require(results.first { $0["table_id"] as? String == "orders" })
        #expect(ordersResult["status"] as? String == "ok" && ordersResult["rows"] as? Int == 2, "\(ordersResult)")
        _ = try await da(["sync"])
        let updated = try await da(["query", "--format", "csv", "SELECT id, amount, paid FROM orders ORDER BY id"])
        let lines = updated.stdout.split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines == ["id,amount,paid", "1,10.50,true", "2,25.00,true", "3,5.00,false"], "\(updated.stdout)")

        // A table whose access is revoked fails with a clear reason in the job, the history and health; orders syncs on.
        fake.denyAccess(to: "in.c-hr.salaries")
        fake.put("in.c-sales.orders", rows: [["4", "1.00", "2026-03-01", "true", "Di"]])
        let partial = try await da(["setup", "first-sync", "--json"])
        #expect(partial.status == 1, "a partial run is not a success")
        let third = try #require(try JSONSerialization.jsonObject(with: Data(partial.stdout.utf8)) as? [String: Any])
        #expect(third["status"] as? String == "partial", "\(third)")
        let errors = try #require(third["errors"] as? [String: String])
        #expect(errors["salaries"]?.contains("Keboola token invalid or lacking access to in.c-hr.salaries") == true)
        #expect(errors["salaries"]?.contains(fake.token) == false)
        let history = try await json(["admin", "tables", "history", "salaries"])
        #expect((history["entries"] as? [[String: Any]])?.first?["status"] as? String == "error")
        let health = try await json(["setup", "test-connection"])
        let data = try #require((health["services"] as? [String: Any])?["data"] as? [String: Any])
        let failed = try #require(data["failed_tables"] as? [[String: Any]])
        #expect(failed.map { $0["table_id"] as? String } == ["salaries"])
        #expect(health["status"] as? String == "degraded")
        _ = try await da(["sync"])
        let counts = try await da(["query", "--format", "csv", "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM salaries)"])
        #expect(counts.stdout.contains("4,1"), "salaries keeps its last good data: \(counts.stdout)")

        // The token appears nowhere the server wrote or answered.
        #expect(!server.log.contains(fake.token))
        _ = await server.stop()
        await fake.stop()
    }

    @Test func aPartitionedTableSyncsAndDownloadsOnlyTheTouchedPartitions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fake = try await FakeKeboola.start(files: URL(fileURLWithPath: directory.appending("kbc-files")))
        fake.createTable(
            "in.c-sales.orders", columns: Self.orderColumns, primaryKey: ["id"],
            rows: [
                ["1", "10.50", "2026-01-02", "true", "Ann"], ["2", "20.00", "2026-02-03", "false", "Bob"],
                ["3", "30.00", "2026-03-04", "true", "Cy"],
            ],
            shape: .init(slices: 2, gzip: true))
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: [
                "KEBOOLA_STACK_URL": fake.url, "KEBOOLA_STORAGE_TOKEN": fake.token,
            ].merging(AnalystCLI.seedAdmin) { _, seed in seed })
        try await server.waitUntilHealthy()
        let workspace = directory.appending("workspace")
        let da = AnalystCLI(directory: directory, server: server)
        #expect(try await da.signInAsAdmin().status == 0)
        let register = try await da([
            "admin", "tables", "register", "orders", "--source-type", "keboola", "--bucket", "in.c-sales", "--sync-strategy",
            "partitioned", "--primary-key", "id", "--partition-by", "ordered",
        ])
        #expect(register.status == 0, "\(register.stderr)")
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await da(["setup", "first-sync"]).status == 0)
        let sync = try await da(["sync"])
        #expect(sync.status == 0, "\(sync.stderr)")
        let folder = workspace + "/server/parquet/orders"
        func files() throws -> [String: String] {
            var identities: [String: String] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/" + name)
                identities[String(name.prefix(7))] = "\(name)@\(attributes[.systemFileNumber] ?? 0)"
            }
            return identities
        }
        let before = try files()
        #expect(before.keys.sorted() == ["2026-01", "2026-02", "2026-03"], "\(before)")

        // A change in March: the server rewrites March only, and da sync downloads March only.
        try await Task.sleep(for: .milliseconds(1100))
        fake.put("in.c-sales.orders", rows: [["3", "33.00", "2026-03-04", "true", "Cy"], ["4", "4.00", "2026-03-20", "false", "Di"]])
        #expect(try await da(["setup", "first-sync"]).status == 0)
        let second = try await da(["sync", "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        let after = try files()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 3, "the old March is no longer visible")
        #expect(after["2026-01"] == before["2026-01"] && after["2026-02"] == before["2026-02"], "untouched partitions stay")
        #expect(after["2026-03"] != before["2026-03"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(report["downloaded"] as? [String] == ["orders"])
        let query = try await da(["query", "--format", "csv", "SELECT id, amount, typeof(ordered) FROM orders ORDER BY id"])
        let lines = query.stdout.split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines == ["id,amount,typeof(ordered)", "1,10.50,DATE", "2,20.00,DATE", "3,33.00,DATE", "4,4.00,DATE"], "\(query.stdout)")

        // Nothing changed: nothing is downloaded.
        let third = try await da(["sync", "--json"])
        let unchanged = try #require(try JSONSerialization.jsonObject(with: Data(third.stdout.utf8)) as? [String: Any])
        #expect((unchanged["downloaded"] as? [String])?.isEmpty == true, "\(third.stdout)")
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
