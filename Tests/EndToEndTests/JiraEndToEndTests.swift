import Connectors
import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Jira from webhook to an analyst's query: the real `da-server` (pointed at a fake Jira Cloud by `JIRA_BASE_URL`)
/// and the real `da`.
@Suite struct JiraEndToEndTests {
    static let secret = "jira-end-to-end-secret"

    func server(_ directory: TemporaryDirectory, _ jira: FakeJira) throws -> ServerProcess {
        try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: [
                "JIRA_BASE_URL": jira.url, "JIRA_EMAIL": jira.email, "JIRA_API_TOKEN": jira.token, "JIRA_WEBHOOK_SECRET": Self.secret,
            ].merging(AnalystCLI.seedAdmin) { _, seed in seed })
    }

    /// Posts Jira's webhook for each key at once, each on its own connection; returns the statuses.
    static func deliver(_ jira: FakeJira, _ name: String, keys: [String], to server: ServerProcess) async throws -> [Int] {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, keys.count)
        configuration.timeoutIntervalForRequest = 60
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let url = server.baseURL.appendingPathComponent("api/jira/webhook")
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for key in keys {
                let body = jira.webhookEvent(name, key: key)
                var request = URLRequest(url: url)
                request.httpMethod = "POST"
                request.httpBody = body
                request.setValue(JiraWebhookSignature.sign(body, secret: Self.secret), forHTTPHeaderField: "X-Hub-Signature-256")
                group.addTask { ((try await session.data(for: request)).1 as? HTTPURLResponse)?.statusCode ?? 0 }
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
    }

    static func health(_ server: ServerProcess) async throws -> [String: Any] {
        let (body, _) = try await HTTP.get(server.baseURL.appendingPathComponent("api/jira/webhook/health"))
        return (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
    }

    @Test func webhooksBecomeTablesThatSurviveAKillAndSyncToDa() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let jira = try await FakeJira.start()
        for number in 1...80 {
            jira.put(
                issue: .init(
                    key: "SUP-\(number)", summary: "Issue \(number)",
                    created: FakeJira.defaultDate.addingTimeInterval(Double(number % 3) * 40 * 86_400),
                    comments: [.init(id: "\(number)00", body: "Comment on \(number)")],
                    attachments: number == 1 ? [.init(id: "9001", filename: "trace.log", bytes: Data("trace".utf8))] : []))
        }
        var server = try server(directory, jira)
        try await server.waitUntilHealthy()
        let da = AnalystCLI(directory: directory, server: server)
        let login = try await da.signInAsAdmin()
        #expect(login.status == 0, "\(login.stderr)")
        func remoteCount(_ table: String) async throws -> Int? {
            let result = try await da(["query", "--remote", "--format", "csv", "SELECT count(*) FROM \(table)"])
            return result.status == 0 ? Int(result.stdout.split(whereSeparator: \.isNewline).last ?? "") : nil
        }

        // The six tables are registered for the admin to grant (not public).
        let registry = try await da(["admin", "tables", "list", "--json"])
        for table in JiraTable.allCases {
            #expect(
                registry.stdout.contains("\"jira_\(table.rawValue)\""), "jira_\(table.rawValue) registered: \(registry.stdout.prefix(300))")
        }

        // 50 webhooks at once: all answered, all applied, visible to the server's SQL.
        let statuses = try await Self.deliver(jira, "jira:issue_created", keys: (1...50).map { "SUP-\($0)" }, to: server)
        #expect(statuses == Array(repeating: 200, count: 50))
        try await waitFor("50 issues in jira_issues", log: server) { try await remoteCount("jira_issues") == 50 }
        #expect(try await remoteCount("jira_comments") == 50)

        // Killed while applying (Jira answers slowly): nothing lost, nothing unreadable after the restart.
        jira.slowDown(.milliseconds(150))
        let more = try await Self.deliver(jira, "jira:issue_created", keys: (51...80).map { "SUP-\($0)" }, to: server)
        #expect(more == Array(repeating: 200, count: 30))
        #expect(try await Self.health(server)["queue_depth"] as? Int ?? 0 > 0, "the kill comes while events are queued")
        await server.stop(signal: SIGKILL)
        jira.slowDown(.zero)
        server = try self.server(directory, jira)
        try await server.waitUntilHealthy()
        let daAgain = da.pointed(at: server)
        try await waitFor("all 80 issues after the restart") {
            let result = try await daAgain(["query", "--remote", "--format", "csv", "SELECT count(*) FROM jira_issues"])
            return result.stdout.split(whereSeparator: \.isNewline).last == "80"
        }
        // The events leave the queue just after their batch is published.
        try await waitFor("an empty queue") { try await Self.health(server)["queue_depth"] as? Int == 0 }
        for table in JiraTable.allCases {
            let all = try await daAgain(["query", "--remote", "--format", "csv", "SELECT * FROM jira_\(table.rawValue)"])
            #expect(all.status == 0, "jira_\(table.rawValue) reads whole: \(all.stderr)")
        }
        // A deletion removes the issue and its rows.
        let deletion = jira.webhookEvent("jira:issue_deleted", key: "SUP-2")
        jira.delete("SUP-2")
        var request = URLRequest(url: server.baseURL.appendingPathComponent("webhooks/jira"))
        request.httpMethod = "POST"
        request.httpBody = deletion
        request.setValue(JiraWebhookSignature.sign(deletion, secret: Self.secret), forHTTPHeaderField: "X-Hub-Signature")
        #expect(((try await URLSession.shared.data(for: request)).1 as? HTTPURLResponse)?.statusCode == 200)
        try await waitFor("SUP-2 gone") {
            let result = try await daAgain([
                "query", "--remote", "--format", "csv",
                "SELECT (SELECT count(*) FROM jira_issues) + (SELECT count(*) FROM jira_comments WHERE issue_key = 'SUP-2')",
            ])
            return result.stdout.split(whereSeparator: \.isNewline).last == "79"
        }
        // The server's SQL reads the shards as they are written, before the batch is published: the sync waits for
        // the publication (its manifest would name the files before the deletion).
        try await waitFor("the deletion published") { try await Self.health(server)["queue_depth"] as? Int == 0 }

        // The analyst's copy: the tables sync like any other and answer the same.
        let sync = try await daAgain(["sync"])
        #expect(sync.status == 0, "\(sync.stderr)\n\(server.log.suffix(6000))")
        let local = try await daAgain([
            "query", "--format", "csv",
            "SELECT count(*), count(DISTINCT strftime(created_at, '%Y-%m')), max(summary) FROM jira_issues WHERE issue_key <> 'SUP-2'",
        ])
        #expect(local.stdout.contains("79,3,Issue 9"), "\(local.stdout) \(local.stderr)")
        let attachment = URL(fileURLWithPath: directory.appending("data/extracts/jira/attachments/SUP-1/9001_trace.log"))
        try await waitFor("the attachment") { FileManager.default.contents(atPath: attachment.path) == Data("trace".utf8) }
        await server.stop()
        await jira.stop()
    }

    @Test func aBackfillLoadsHistoryWhileWebhooksArrive() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let jira = try await FakeJira.start(pageSize: 25)
        for number in 1...120 {
            jira.put(
                issue: .init(
                    key: "SUP-\(number)", summary: "Old \(number)",
                    remoteLinks: [.init(id: number, url: "https://wiki.example/\(number)", title: "Page")]))
        }
        jira.put(issue: .init(key: "OPS-1", summary: "Another project"))
        let server = try server(directory, jira)
        try await server.waitUntilHealthy()
        let environment = [
            "DATA_DIR": directory.appending("data"), "JIRA_BASE_URL": jira.url, "JIRA_EMAIL": jira.email, "JIRA_API_TOKEN": jira.token,
        ]
        let unrestricted = try await CLIProcess.run(["jira", "backfill"], environment: environment, binary: "da-server")
        #expect(unrestricted.status != 0 && unrestricted.stderr.contains("--jql"), "\(unrestricted.stderr)")

        // While the backfill runs, SUP-7 changes and its webhook arrives: the newer version stays.
        async let backfill = CLIProcess.run(
            ["jira", "backfill", "--jql", "project = SUP", "--parallel", "3", "--json"], environment: environment, binary: "da-server")
        var changed = try #require(jira.issue("SUP-7"))
        changed.summary = "New 7"
        changed.updated = Date()
        jira.put(issue: changed)
        #expect(try await Self.deliver(jira, "jira:issue_updated", keys: ["SUP-7"], to: server) == [200])
        let result = try await backfill
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["queued"] as? Int == 120 && summary["pages"] as? Int == 5 && summary["waiting"] as? Int == 0, "\(summary)")
        #expect(result.stderr.contains("page 5: 120 issues queued") && result.stderr.contains("applied"), "\(result.stderr)")

        let da = AnalystCLI(directory: directory, server: server)
        let login = try await da.signInAsAdmin()
        #expect(login.status == 0, "\(login.stderr)")
        let query = try await da([
            "query", "--remote", "--format", "csv",
            "SELECT (SELECT count(*) FROM jira_issues), (SELECT count(*) FROM jira_remote_links), (SELECT summary FROM jira_issues WHERE issue_key = 'SUP-7')",
        ])
        #expect(query.stdout.split(whereSeparator: \.isNewline).last == "120,120,New 7", "\(query.stdout) \(query.stderr)")
        await server.stop()
        await jira.stop()
    }

    /// Polls `condition` for up to 60 seconds.
    func waitFor(_ what: String, log server: ServerProcess? = nil, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<300 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("timed out waiting for \(what)\n\(server.map { String($0.log.suffix(3000)) } ?? "")")
    }
}
