import Foundation
import TestSupport
import Testing

/// Corporate memory back to the analyst: approved and mandatory items reach `.claude/rules/` with `da sync`, a
/// revoked one leaves on the next sync, and the analyst's own rules files are never touched.
@Suite struct MemoryEndToEndTests {
    @Test func approvedItemsBecomeClaudeRulesAndRevokedOnesLeave() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(dataDirectory: directory.appending("data"), environment: AnalystCLI.seedAdmin)
        try await server.waitUntilHealthy()
        let da = AnalystCLI(directory: directory, server: server)
        #expect(try await da.signInAsAdmin().status == 0)
        let call = try await AnalystCLI.adminAPI(server)
        func api(_ method: String, _ path: String, _ body: (any Sendable)? = nil) async throws -> [String: Any] {
            let (object, status) = try await call(method, path, body)
            #expect((200..<300).contains(status), "\(method) \(path): \(status) \(object)")
            return object
        }
        func propose(_ title: String, _ category: String) async throws -> String {
            try #require(
                try await api("POST", "/api/memory", ["title": title, "content": "\(title): details.", "category": category])["id"]
                    as? String)
        }
        // The CLI proposes, finds, shows and votes like the web.
        let added = try await da([
            "memory", "add", "--title", "Churn counts paused accounts", "--content", "Paused is not churned.", "--category", "Metrics",
            "--tag", "churn", "--json",
        ])
        let addedID = try #require(try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])["id"] as? String
        let found = try await da(["memory", "search", "paused", "--json"])
        #expect(
            (try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as? [String: Any])?["total"] as? Int == 1, "\(found.stdout)")
        let shown = try await da(["memory", "show", addedID ?? ""])
        #expect(shown.stdout.contains("Paused is not churned.") && shown.stdout.contains("tags: churn"), "\(shown.stdout)")
        let voted = try await da(["memory", "vote", addedID ?? "", "up"])
        #expect(voted.stdout.contains("+1/-0"), "\(voted.stdout) \(voted.stderr)")
        let wrongWay = try await da(["memory", "vote", addedID ?? "", "sideways"])
        #expect(wrongWay.status == 2)
        let listed = try await da(["memory", "list", "--status", "pending"])
        #expect(listed.stdout.contains("Churn counts paused accounts"), "\(listed.stdout)")

        let refunds = try await propose("Revenue excludes refunds", "Metrics")
        let retries = try await propose("Events double-count retries", "Data quality")
        _ = try await propose("Still pending", "Metrics")
        _ = try await api("POST", "/api/memory/admin/approve?item_id=\(refunds)", [String: String]())
        _ = try await api("POST", "/api/memory/admin/mandate?item_id=\(retries)", ["reason": "everyone trips on it"])

        let rules = URL(fileURLWithPath: directory.appending("workspace/.claude/rules"))
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        let own = rules.appendingPathComponent("my-own.md")
        try Data("# Mine\n".utf8).write(to: own)

        func sync() async throws -> [String: Any] {
            let result = try await da(["sync", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        #expect(try await sync()["rules_updated"] as? Bool == true)
        let metrics = try String(contentsOf: rules.appendingPathComponent("corporate-memory-metrics.md"), encoding: .utf8)
        let quality = try String(contentsOf: rules.appendingPathComponent("corporate-memory-data-quality.md"), encoding: .utf8)
        #expect(metrics.contains("## Revenue excludes refunds\n") && !metrics.contains("Still pending"))
        #expect(quality.contains("## Events double-count retries (mandatory)"))

        // Nothing changed: nothing rewritten. A revoke removes the item's file on the next sync.
        #expect(try await sync()["rules_updated"] as? Bool == false)
        _ = try await api("POST", "/api/memory/admin/revoke?item_id=\(refunds)", ["reason": "superseded"])
        #expect(try await sync()["rules_updated"] as? Bool == true)
        #expect(!FileManager.default.fileExists(atPath: rules.appendingPathComponent("corporate-memory-metrics.md").path))
        #expect(FileManager.default.fileExists(atPath: rules.appendingPathComponent("corporate-memory-data-quality.md").path))
        #expect(try Data(contentsOf: own) == Data("# Mine\n".utf8), "the analyst's own file is untouched")
        await server.stop()
    }

    /// The whole loop with the real binaries: notes go up with `da sync`, the collector (a fake model) makes pending
    /// items, a km_admin approves one and mandates another, the next `da sync` writes both into `.claude/rules/`, a
    /// revoke removes one on the sync after. A JWT in the notes and in a transcript never reaches an item or the disk.
    @Test func notesUploadedBySyncComeBackAsRulesOnceApproved() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fake = try await FakeLLM.start()
        let config = directory.appending("config")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try """
        ai:
          provider: anthropic
          base_url: \(fake.url)
          api_key_env: FAKE_MODEL_KEY
          model: claude-test
        """.write(toFile: config + "/instance.yaml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: ["CONFIG_DIR": config, "FAKE_MODEL_KEY": fake.apiKey].merging(AnalystCLI.seedAdmin) { _, seed in seed })
        try await server.waitUntilHealthy()
        let da = AnalystCLI(directory: directory, server: server)
        #expect(try await da.signInAsAdmin().status == 0)
        let call = try await AnalystCLI.adminAPI(server)
        func api(_ method: String, _ path: String, _ body: (any Sendable)? = nil) async throws -> [String: Any] {
            let (object, status) = try await call(method, path, body)
            #expect((200..<300).contains(status), "\(method) \(path): \(status) \(object)")
            return object
        }

        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEiLCJleHAiOjE4OTM0NTYwMDB9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi0xMjM0NTY"
        let workspace = URL(fileURLWithPath: directory.appending("workspace"))
        try FileManager.default.createDirectory(at: workspace.appendingPathComponent(".claude"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: workspace.appendingPathComponent("user/sessions"), withIntermediateDirectories: true)
        try Data("# My notes\n- revenue excludes refunds\n- events double-count retries\n- my token: \(jwt)\n".utf8)
            .write(to: workspace.appendingPathComponent(".claude/CLAUDE.local.md"))
        try Data(#"{"type":"user","timestamp":"2026-12-01T09:00:00Z","message":"export TOKEN=\#(jwt)"}"#.utf8 + [0x0A])
            .write(to: workspace.appendingPathComponent("user/sessions/s-1.jsonl"))
        let upload = try await da(["sync", "--json"])
        #expect(upload.status == 0, "\(upload.stderr)")

        fake.enqueue(
            .json(
                #"""
                {"items": [
                  {"existing_id": null, "title": "Revenue excludes refunds", "content": "Net revenue never includes refunds.",
                   "category": "business_logic", "tags": ["revenue", "refunds"], "source_users": ["\#(AnalystCLI.adminEmail)"]},
                  {"existing_id": null, "title": "Events double-count retries", "content": "Deduplicate events by event_id.",
                   "category": "data_analysis", "tags": ["events", "quality"], "source_users": ["\#(AnalystCLI.adminEmail)"]}
                ]}
                """#), .json(#"{"safe": true, "reason": ""}"#), .json(#"{"safe": true, "reason": ""}"#))
        let report = try await api("POST", "/api/memory/admin/collect", [String: String]())
        #expect(report["created"] as? Int == 2, "\(report)")
        #expect(fake.requests.allSatisfy { !$0.prompt.contains(jwt) }, "the JWT never reaches the model")
        let pending = try await api("GET", "/api/memory/admin/pending")
        let items = try #require(pending["items"] as? [[String: Any]])
        #expect(items.count == 2)
        let refunds = try #require(items.first { $0["title"] as? String == "Revenue excludes refunds" }?["id"] as? String)
        let retries = try #require(items.first { $0["title"] as? String == "Events double-count retries" }?["id"] as? String)
        _ = try await api("POST", "/api/memory/admin/approve?item_id=\(refunds)", [String: String]())
        _ = try await api("POST", "/api/memory/admin/mandate?item_id=\(retries)", ["reason": "everyone trips on it"])

        let rules = workspace.appendingPathComponent(".claude/rules")
        let synced = try await da(["sync", "--json"])
        #expect(synced.stdout.contains(#""rules_updated":true"#) || synced.stdout.contains(#""rules_updated" : true"#), "\(synced.stdout)")
        let logic = try String(contentsOf: rules.appendingPathComponent("corporate-memory-business_logic.md"), encoding: .utf8)
        let analysis = try String(contentsOf: rules.appendingPathComponent("corporate-memory-data_analysis.md"), encoding: .utf8)
        #expect(logic.contains("Net revenue never includes refunds."))
        #expect(analysis.contains("## Events double-count retries (mandatory)"))

        _ = try await api("POST", "/api/memory/admin/revoke?item_id=\(refunds)", ["reason": "superseded"])
        #expect(try await da(["sync"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: rules.appendingPathComponent("corporate-memory-business_logic.md").path))
        #expect(FileManager.default.fileExists(atPath: rules.appendingPathComponent("corporate-memory-data_analysis.md").path))

        // The uploaded notes and transcript were stored redacted; the admins' session index counts the redaction.
        let sessions = try await api("GET", "/api/admin/sessions")
        #expect((sessions["sessions"] as? [[String: Any]])?.first?["redactions"] as? Int == 1, "\(sessions)")
        await server.stop()
        let data = URL(fileURLWithPath: directory.appending("data"))
        let enumerator = FileManager.default.enumerator(at: data, includingPropertiesForKeys: nil)
        while let file = enumerator?.nextObject() as? URL {
            guard let bytes = try? Data(contentsOf: file) else { continue }
            #expect(bytes.range(of: Data(jwt.utf8)) == nil, "the JWT is in \(file.path)")
        }
        await fake.stop()
    }
}
