import Foundation
import TestSupport
import Testing

/// `da explore`, `da status`, `da diagnose` and `da skills` (the real binary) against the real server.
@Suite(.serialized)
struct CLILookAroundTests {
    static func json(_ result: CLIProcess.Result) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func exploreStatusAndDiagnose() async throws {
        let setup = try await CLISyncTests.Setup.start()
        defer { setup.directory.remove() }
        let environment = setup.environment

        // Before any sync: local explore and status say what to do.
        let early = try await CLIProcess.run(["explore", "orders"], environment: environment)
        #expect(early.status == 1)
        #expect(early.stderr.contains("Run: da sync"), "\(early.stderr)")
        let never = CLILookAroundTests.json(try await CLIProcess.run(["status", "--local", "--json"], environment: environment))
        #expect(never["last_sync"] as? String == "never")
        let beforeSync = try await CLIProcess.run(["diagnose", "--json"], environment: environment)
        let checksBefore = CLILookAroundTests.json(beforeSync)["checks"] as? [[String: Any]] ?? []
        #expect(checksBefore.first { $0["name"] as? String == "local_db" }?["status"] as? String == "warn")
        #expect((CLILookAroundTests.json(beforeSync)["suggested_actions"] as? [String] ?? []).contains("Download your tables: da sync"))

        let (_, synced) = try await setup.sync()
        #expect(synced.status == 0, "\(synced.stderr)")

        // Options may follow the table name.
        let local = try await CLIProcess.run(["explore", "orders", "--json"], environment: environment)
        #expect(local.status == 0, "\(local.stderr)")
        let overview = CLILookAroundTests.json(local)
        #expect(overview["table"] as? String == "orders")
        #expect(overview["source"] as? String == "local")
        #expect((overview["row_count"] as? Int ?? 0) > 0)
        let columns = overview["columns"] as? [[String: Any]] ?? []
        #expect(columns.first?["name"] as? String == "order_id")
        #expect(columns.contains { $0["completeness_pct"] != nil }, "profile highlights merged in")
        #expect((overview["sample_rows"] as? [[String: Any]])?.count == 5)
        #expect(!(overview["alerts"] as? [String] ?? []).isEmpty)
        let text = try await CLIProcess.run(["explore", "orders"], environment: environment)
        #expect(text.stdout.contains("Sample rows:") && text.stdout.contains("Alerts:"), "\(text.stdout)")

        let remote = CLILookAroundTests.json(
            try await CLIProcess.run(["explore", "--remote", "customers", "--json"], environment: environment))
        #expect(remote["source"] as? String == "remote")
        #expect(remote["row_count"] as? Int == 50)
        let missing = try await CLIProcess.run(["explore", "nope"], environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Available: campaigns, customers"), "\(missing.stderr)")

        let status = CLILookAroundTests.json(try await CLIProcess.run(["status", "--json"], environment: environment))
        #expect(status["status"] as? String == "healthy")
        #expect((status["local"] as? [String: Any])?["tables_synced"] as? Int == CLISyncTests.sampleTables.count)
        let localStatus = try await CLIProcess.run(["status", "--local"], environment: environment)
        #expect(localStatus.stdout.contains("Tables synced: \(CLISyncTests.sampleTables.count)"))

        let healthy = try await CLIProcess.run(["diagnose", "--json"], environment: environment)
        #expect(healthy.status == 0, "\(healthy.stdout)")
        let diagnosis = CLILookAroundTests.json(healthy)
        #expect(diagnosis["overall"] as? String == "ok", "\(healthy.stdout)")
        let names = (diagnosis["checks"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        for name in ["api", "token", "clock", "local_db", "local_sync", "disk"] { #expect(names.contains(name), "\(names)") }

        // A revoked token and an unreachable server fail with a suggested fix (exit 1).
        var badToken = environment
        badToken["DA_TOKEN"] = "not-a-token"
        let refused = try await CLIProcess.run(["diagnose", "--json"], environment: badToken)
        #expect(refused.status == 1)
        #expect((CLILookAroundTests.json(refused)["suggested_actions"] as? [String] ?? []).contains("Log in again: da auth login"))
        var offline = environment
        offline["DA_SERVER"] = "http://127.0.0.1:\(try FreePort.find())"
        let unreachable = try await CLIProcess.run(["diagnose"], environment: offline)
        #expect(unreachable.status == 1)
        #expect(unreachable.stdout.contains("[FAIL] api"), "\(unreachable.stdout)")
        #expect(unreachable.stdout.contains("Server unreachable"))
        let offlineStatus = try await CLIProcess.run(["status"], environment: offline)
        #expect(offlineStatus.status == 1)
        #expect(offlineStatus.stderr.contains("Cannot reach the server"))
        await setup.finish()
    }

    @Test func skillsAreBuiltIn() async throws {
        let list = try await CLIProcess.run(["skills", "list", "--json"], environment: [:])
        let skills = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: String]])
        #expect(
            skills.map { $0["name"] ?? "" }
                == ["setup", "sync", "query", "troubleshoot", "connectors", "corporate-memory", "notifications", "security"])
        let sync = try await CLIProcess.run(["skills", "show", "sync"], environment: [:])
        #expect(sync.status == 0)
        #expect(sync.stdout.contains("da sync --json"))
        let unknown = try await CLIProcess.run(["skills", "show", "deploy"], environment: [:])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("Available: setup, sync"))
    }
}
