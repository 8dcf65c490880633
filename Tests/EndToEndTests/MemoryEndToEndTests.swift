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
        let (login, _) = try await HTTP.object(
            "POST", server.baseURL.appendingPathComponent("auth/token"),
            json: ["email": AnalystCLI.adminEmail, "password": AnalystCLI.adminPassword])
        let token = try #require(login["access_token"] as? String)
        func api(_ method: String, _ path: String, _ body: Any? = nil) async throws -> [String: Any] {
            let url = try #require(URL(string: server.baseURL.absoluteString + path))
            let (object, status) = try await HTTP.object(method, url, token: token, json: body)
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
        _ = try await api("POST", "/api/memory/admin/approve?item_id=\(refunds)", [String: Any]())
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
}
