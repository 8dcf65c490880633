import AnalystCore
import DuckDB
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Connectors

/// Queued Jira events into the six tables, against the fake Jira Cloud: whatever the order, duplication or failures
/// of deliveries, the tables end equal to what Jira holds.
@Suite struct JiraProcessorTests {
    struct Fixture {
        let jira: FakeJira
        let directory: TemporaryDirectory
        let processor: JiraProcessor
        let publishes: Counter

        var queue: JiraEventQueue { processor.queue }
        var store: JiraShardStore { processor.store }

        func stop() async {
            await jira.stop()
            directory.remove()
        }

        /// Queues Jira's webhook `name` for `key` as it is now.
        func deliver(_ name: String, _ key: String) throws {
            _ = try queue.append(jira.webhookEvent(name, key: key))
        }
    }

    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    func fixture(configured: Bool = true, serviceDesk: Bool = false, retries: Int = 0) async throws -> Fixture {
        let jira = try await FakeJira.start()
        let directory = try TemporaryDirectory()
        var settings = JiraSettings(
            baseURL: URL(string: jira.url), email: configured ? jira.email : nil, apiToken: configured ? jira.token : nil,
            webhookSecret: "secret")
        settings.serviceDesk = serviceDesk
        settings.retries = retries
        let data = URL(fileURLWithPath: directory.path)
        let source = ExtractSource(name: "jira", in: data)
        let counter = Counter()
        let processor = JiraProcessor(
            settings: settings, store: JiraShardStore(source: source),
            queue: JiraEventQueue(directory: source.directory.appendingPathComponent("events/pending")), logger: Logger(label: "test"),
            publish: { _ in counter.increment() })
        return Fixture(jira: jira, directory: directory, processor: processor, publishes: counter)
    }

    /// Every published table's rows as sorted text lines, without the sync time and raw-file columns.
    static func contents(of store: JiraShardStore) throws -> [String: [String]] {
        let connection = try Database().connect()
        var result: [String: [String]] = [:]
        for table in JiraTable.allCases {
            guard case .partitions(let folder, _) = store.source.localData(for: store.name(of: table)) else {
                result[table.rawValue] = []
                continue
            }
            let columns = table == .issues ? "* EXCLUDE (_synced_at, _raw_file)" : "*"
            let rows = try connection.query(
                "SELECT \(columns) FROM read_parquet(\(Identifier.literal(folder.path + "/*.parquet")), union_by_name = true)"
            ).rows()
            result[table.rawValue] = rows.map { $0.map { "\($0)" }.joined(separator: "|") }.sorted()
        }
        return result
    }

    /// What the six tables hold when every issue in Jira is applied at once to an empty store.
    static func expected(_ fixture: Fixture, in directory: TemporaryDirectory) async throws -> [String: [String]] {
        let store = JiraShardStore(source: ExtractSource(name: "jira", in: URL(fileURLWithPath: directory.appending("expected"))))
        var rows: [JiraIssueRows] = []
        for issue in fixture.jira.allIssues {
            guard case .success(let fetched?) = await fixture.processor.fetch(issue.key) else {
                Issue.record("\(issue.key) could not be fetched")
                continue
            }
            rows.append(fetched)
        }
        _ = try store.apply(upserts: rows, deletes: [])
        return try contents(of: store)
    }

    /// A small deterministic generator, so a failing sequence can be replayed.
    struct Sequence: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
    }

    @Test func fiveHundredRecordedEventsLeaveTheTablesEqualToJira() async throws {
        let fixture = try await fixture()
        defer { Task { await fixture.stop() } }
        var random = Sequence(state: 13)
        var clock = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
        var next = 1
        var pending: [(String, String)] = []
        var delivered = 0
        func tick() -> Date {
            clock += TimeInterval(Int.random(in: 60...86_400 * 3, using: &random))
            return clock
        }
        while delivered < 500 {
            let existing = fixture.jira.allIssues.map(\.key)
            let choice = existing.isEmpty ? 0 : Int.random(in: 0..<10, using: &random)
            var event: (String, String)
            switch choice {
            case 0, 1:
                let key = "SUP-\(next)"
                next += 1
                let created = tick()
                fixture.jira.put(
                    issue: .init(
                        key: key, summary: "Issue \(key)", created: created,
                        comments: [.init(id: "\(next * 100)", body: "First look", created: created)],
                        attachments: Bool.random(using: &random)
                            ? [.init(id: "\(next * 100)", filename: "../log \(key).txt", bytes: Data("log".utf8), created: created)] : []))
                event = ("jira:issue_created", key)
            default:
                guard let key = existing.randomElement(using: &random), var issue = fixture.jira.issue(key) else { continue }
                issue.updated = tick()
                switch choice {
                case 2, 3:
                    issue.status = ["To Do", "In Progress", "Done"].randomElement(using: &random) ?? "Done"
                    issue.statusCategory = FakeJira.Issue(key: key, status: issue.status).statusCategory
                    issue.summary += "!"
                    issue.changelog.append(
                        .init(
                            id: "\(Int.random(in: 1...1_000_000_000, using: &random))", created: issue.updated,
                            items: [.init(field: "status", from: nil, to: issue.status)]))
                    event = ("jira:issue_updated", key)
                case 4, 5:
                    issue.comments.append(
                        .init(id: "\(Int.random(in: 1...1_000_000_000, using: &random))", body: "More", created: issue.updated))
                    event = ("comment_created", key)
                case 6 where !issue.comments.isEmpty:
                    issue.comments.removeFirst()
                    event = ("comment_deleted", key)
                case 7:
                    let other = existing.randomElement(using: &random) ?? key
                    issue.links.append(.init(id: "\(Int.random(in: 1...1_000_000_000, using: &random))", key: other))
                    issue.remoteLinks.append(
                        .init(id: Int.random(in: 1...1_000_000_000, using: &random), url: "https://wiki.example/\(key)", title: "Runbook"))
                    event = ("jira:issue_updated", key)
                case 8:
                    // Deleted: Jira sends the issue as it was.
                    let body = fixture.jira.webhookEvent("jira:issue_deleted", key: key)
                    fixture.jira.delete(key)
                    pending.append(("raw", String(decoding: body, as: UTF8.self)))
                    delivered += 1
                    continue
                default:
                    issue.priority = ["Low", "High"].randomElement(using: &random)
                    event = ("jira:issue_updated", key)
                }
                fixture.jira.put(issue: issue)
            }
            pending.append(event)
            delivered += 1
            // Duplicated deliveries.
            if Int.random(in: 0..<10, using: &random) == 0 {
                pending.append(event)
                delivered += 1
            }
            // Deliveries arrive out of order, in bursts, and are applied while more arrive.
            if pending.count >= 12 {
                pending.shuffle(using: &random)
                for (name, key) in pending {
                    if name == "raw" { _ = try fixture.queue.append(Data(key.utf8)) } else { try fixture.deliver(name, key) }
                }
                pending.removeAll()
                if Int.random(in: 0..<3, using: &random) == 0 {
                    let report = await fixture.processor.drain()
                    #expect(report.error == nil && report.retrying == 0, "\(report)")
                }
            }
        }
        for (name, key) in pending.shuffled(using: &random) {
            if name == "raw" { _ = try fixture.queue.append(Data(key.utf8)) } else { try fixture.deliver(name, key) }
        }
        let report = await fixture.processor.drain()
        #expect(report.error == nil && report.retrying == 0)
        #expect(fixture.queue.pending().isEmpty)

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let actual = try JiraProcessorTests.contents(of: fixture.store)
        let expected = try await JiraProcessorTests.expected(fixture, in: directory)
        for table in JiraTable.allCases {
            #expect(actual[table.rawValue] == expected[table.rawValue], "\(table)")
        }
        // And against Jira's own counts, not only against a second write.
        let issues = fixture.jira.allIssues
        #expect(actual["issues"]?.count == issues.count && issues.count > 10)
        #expect(actual["comments"]?.count == issues.reduce(0) { $0 + $1.comments.count })
        #expect(actual["remote_links"]?.count == issues.reduce(0) { $0 + $1.remoteLinks.count })
        #expect(fixture.publishes.count > 0)
        // Each issue's rows are in the month of its creation, one file per month.
        let months = Set(issues.map { String(JiraCell.timestamp($0.created).prefix(7)) })
        guard case .partitions(_, let shards) = fixture.store.source.localData(for: "jira_issues") else {
            Issue.record("jira_issues is not sharded")
            return
        }
        #expect(Set(shards) == months)
    }

    @Test func aPathForAKeyAndAnAttachmentOffTheSiteAreRefused() async throws {
        let fixture = try await fixture()
        defer { Task { await fixture.stop() } }
        _ = try fixture.queue.append(
            Data(#"{"webhookEvent":"jira:issue_created","issue":{"key":"../../x","fields":{"summary":"x"}}}"#.utf8))
        _ = try fixture.queue.append(Data(#"{"webhookEvent":"jira:issue_created","issue_key":"SUP-1/../../etc"}"#.utf8))
        let local = Data("mine".utf8)
        fixture.jira.put(
            issue: .init(
                key: "SUP-5",
                attachments: [
                    .init(id: "1", filename: "../../../etc/passwd", bytes: local),
                    .init(id: "2", filename: "elsewhere.txt", bytes: local, contentURL: "http://169.254.169.254/latest/meta-data"),
                    .init(id: "3", filename: "redirected.txt", bytes: local, redirectTo: "http://127.0.0.2:9/steal"),
                ]))
        try fixture.deliver("jira:issue_created", "SUP-5")
        let report = await fixture.processor.drain()
        #expect(report.refused == 2 && report.upserted == 1)
        #expect(fixture.queue.status().lastError?.contains("not a Jira issue key") == true)
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.appending("x")))
        await fixture.processor.downloadAttachments(of: try #require(await fixture.processor.fetch("SUP-5").get()))
        let folder = fixture.store.source.directory.appendingPathComponent("attachments/SUP-5")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names == ["1_passwd"], "only the same-site attachment, under a safe name")
        #expect(try Data(contentsOf: folder.appendingPathComponent("1_passwd")) == local)
        #expect(fixture.jira.requests(pathPrefix: "/secure/attachment/3") == 0)

        let client = try #require(JiraClient(settings: fixture.processor.settings))
        await #expect(throws: JiraError.self) {
            try await client.download("http://169.254.169.254/latest/meta-data", to: folder.appendingPathComponent("x"))
        }
        await #expect(throws: JiraError.self) {
            try await client.download(
                fixture.jira.url.replacingOccurrences(of: "127.0.0.1", with: "user@127.0.0.1") + "/x",
                to: folder.appendingPathComponent("x"))
        }
    }

    @Test func whenJiraFailsTheWebhookCopyIsUsedAndTheConsistencyPassCorrectsIt() async throws {
        let fixture = try await fixture()
        defer { Task { await fixture.stop() } }
        fixture.jira.put(issue: .init(key: "SUP-1", summary: "Before"))
        try fixture.deliver("jira:issue_created", "SUP-1")
        // Jira's API is down; the webhook copy is applied and the key remembered.
        fixture.jira.failNext(2, pathPrefix: "/rest/api/3/issue", status: 503)
        var report = await fixture.processor.drain()
        #expect(report.fellBack == 1 && report.upserted == 1)
        #expect(fixture.processor.staleKeys == ["SUP-1"])
        // A comment event for an issue Jira does not answer for, and no copy: it waits.
        _ = try fixture.queue.append(Data(#"{"webhookEvent":"comment_created","issue_key":"SUP-2"}"#.utf8))
        report = await fixture.processor.drain()
        #expect(report.retrying == 1 && fixture.queue.pending().count == 1)
        #expect(fixture.queue.status().lastError?.contains("wait for a retry") == true)

        var issue = try #require(fixture.jira.issue("SUP-1"))
        issue.summary = "After"
        issue.updated = issue.updated.addingTimeInterval(60)
        fixture.jira.put(issue: issue)
        fixture.jira.put(issue: .init(key: "SUP-3", summary: "Missed"))
        report = await fixture.processor.reconcile(jql: "project = SUP")
        #expect(report.upserted == 2 && report.error == nil)
        #expect(fixture.processor.staleKeys.isEmpty)
        let summaries = try JiraProcessorTests.contents(of: fixture.store)["issues"] ?? []
        #expect(summaries.count == 2 && summaries.allSatisfy { !$0.contains("Before") })
        // Jira is back: the waiting event finds SUP-2 gone (404) and is done.
        report = await fixture.processor.drain()
        #expect(report.retrying == 0 && fixture.queue.pending().isEmpty)
    }

    @Test func aRateLimitedJiraIsWaitedForAsItAsks() async throws {
        let fixture = try await fixture(retries: 3)
        defer { Task { await fixture.stop() } }
        fixture.jira.put(issue: .init(key: "SUP-1", summary: "Patience"))
        try fixture.deliver("jira:issue_created", "SUP-1")
        fixture.jira.rateLimitNext(2, retryAfter: 1)
        let started = ContinuousClock.now
        let report = await fixture.processor.drain()
        #expect(report.upserted == 1 && report.fellBack == 0, "fetched after the waits, not from the webhook copy")
        #expect(started.duration(to: .now) >= .seconds(2), "Retry-After: 1 was honoured twice")
        #expect(fixture.jira.requests(pathPrefix: "/rest/api/3/issue/SUP-1") >= 3)
    }

    @Test func anUnreadableShardFailsTheBatchAndKeepsItsEvents() async throws {
        let fixture = try await fixture()
        defer { Task { await fixture.stop() } }
        fixture.jira.put(issue: .init(key: "SUP-1"))
        try fixture.deliver("jira:issue_created", "SUP-1")
        #expect(await fixture.processor.drain().upserted == 1)
        guard case .partitions(let folder, let names) = fixture.store.source.localData(for: "jira_issues") else {
            Issue.record("no shards")
            return
        }
        try Data("not parquet".utf8).write(to: folder.appendingPathComponent((names.first ?? "") + ".parquet"))
        try fixture.deliver("jira:issue_updated", "SUP-1")
        let report = await fixture.processor.drain()
        #expect(report.error != nil && report.upserted == 0)
        #expect(fixture.queue.pending().count == 1, "the event stays for a retry")
        #expect(fixture.queue.status().lastError?.contains("stay queued") == true)
    }

    @Test func theSLAPollRefreshesOpenIssuesOnly() async throws {
        let fixture = try await fixture(serviceDesk: true)
        defer { Task { await fixture.stop() } }
        fixture.jira.put(issue: .init(key: "SUP-1", status: "In Progress", firstResponse: .init(goalMillis: 1000, elapsedMillis: 10)))
        fixture.jira.put(issue: .init(key: "SUP-2", status: "Done"))
        try fixture.deliver("jira:issue_created", "SUP-1")
        try fixture.deliver("jira:issue_created", "SUP-2")
        _ = await fixture.processor.drain()
        var open = try #require(fixture.jira.issue("SUP-1"))
        open.firstResponse = .init(breached: true, goalMillis: 1000, elapsedMillis: 5000)
        fixture.jira.put(issue: open)
        let before = fixture.jira.requests(pathPrefix: "/rest/api/3/issue/SUP-2")
        let report = await fixture.processor.pollOpenIssues()
        #expect(report.upserted == 1)
        #expect(fixture.jira.requests(pathPrefix: "/rest/api/3/issue/SUP-2") == before)
        #expect(fixture.jira.requests(pathPrefix: "/rest/servicedeskapi/request/SUP-1/sla") == 2)
        let rows = try Database().connect().query(
            "SELECT first_response_breached, first_response_elapsed_millis FROM read_parquet(\(Identifier.literal(fixture.store.source.partitionDirectory(for: "jira_issues").path + "/*.parquet"))) WHERE issue_key = 'SUP-1'"
        ).rows()
        #expect(rows == [[.varchar("true"), .bigint(5000)]])
    }
}
