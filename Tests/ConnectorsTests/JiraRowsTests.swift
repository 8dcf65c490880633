import Connectors
import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Jira's issue JSON into the six tables' rows: keys checked before use, ADF as plain text, times in UTC.
@Suite struct JiraRowsTests {
    @Test func onlyRealIssueKeysPass() {
        for key in ["SUP-1", "AB_2-12345", "X9-0"] { #expect(JiraText.isIssueKey(key), "\(key)") }
        for key in ["../../x", "SUP-", "-1", "sup-1", "S-1", "SUP-1/..", "SUP-1-2", "SUP 1", "SUP-１", "SUP-1\n", ""] {
            #expect(!JiraText.isIssueKey(key), "\(key)")
        }
    }

    @Test func timesAreReadInUTCWhateverTheOffset() throws {
        let expected = try #require(JiraText.time("2026-03-01T09:15:30.123Z"))
        #expect(JiraText.time("2026-03-01T10:15:30.123+0100") == expected)
        #expect(JiraText.time("2026-03-01T04:15:30.123-05:00") == expected)
        #expect(JiraText.time("2026-03-01")?.timeIntervalSince1970 == 1_772_323_200)
        for bad in ["2026-13-01", "yesterday", "2026-03-01T10:15", "2026-03-01T10:15:30+01", ""] {
            #expect(JiraText.time(bad) == nil, "\(bad)")
        }
    }

    @Test func richTextBecomesPlainText() {
        let document: [String: Any] = [
            "type": "doc", "version": 1,
            "content": [
                [
                    "type": "paragraph",
                    "content": [["type": "text", "text": "Printer on "], ["type": "mention", "attrs": ["text": "@Ann"]]],
                ],
                [
                    "type": "bulletList",
                    "content": [
                        ["type": "listItem", "content": [["type": "paragraph", "content": [["type": "text", "text": "one"]]]]],
                        ["type": "listItem", "content": [["type": "paragraph", "content": [["type": "text", "text": "two"]]]]],
                    ],
                ],
                ["type": "paragraph", "content": [["type": "text", "text": "a"], ["type": "hardBreak"], ["type": "text", "text": "b"]]],
            ],
        ]
        #expect(JiraText.plainText(document) == "Printer on @Ann\none\ntwo\na\nb")
        #expect(JiraText.plainText("plain") == "plain")
        #expect(JiraText.plainText(nil) == nil)
    }

    /// The fake Jira's issue, as `GET /rest/api/3/issue/{key}?expand=…` answers it, fills the columns it should.
    @Test func theFakeJirasIssueFillsTheColumns() async throws {
        let jira = try await FakeJira.start()
        defer { Task { await jira.stop() } }
        jira.put(
            issue: FakeJira.Issue(
                key: "SUP-7", summary: "VPN down", description: "Cannot connect.\nSince noon.", status: "In Progress",
                severity: "High", requestType: "Get IT help", requestStatus: "Waiting for support",
                firstResponse: FakeJira.SLA(breached: true, goalMillis: 3_600_000, elapsedMillis: 5_400_000)))
        let url = try #require(URL(string: jira.url + "/rest/api/3/issue/SUP-7?expand=renderedFields,changelog&fields=*all"))
        var request = URLRequest(url: url)
        request.setValue(jira.authorization, forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        let issue = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let made = try #require(JiraIssueRows(issue: issue, site: URL(string: jira.url), syncedAt: Date()))
        let row = try #require(made.rows[.issues]?.first)
        #expect(row["summary"] == .text("VPN down") && row["description"] == .text("Cannot connect.\nSince noon."))
        #expect(row["status"] == .text("In Progress") && row["status_category"] == .text("In Progress"))
        #expect(row["severity"] == .text("High") && row["request_type"] == .text("Get IT help"))
        #expect(row["request_status"] == .text("Waiting for support"))
        #expect(row["first_response_breached"] == .text("true") && row["first_response_elapsed_millis"] == .integer(5_400_000))
        guard case .time(let created) = row["created_at"] else { Issue.record("created_at is not a time"); return }
        #expect(abs(created.timeIntervalSince(FakeJira.defaultDate)) < 0.001, "to the millisecond Jira sends")
        #expect(row["assignee_name"] != .null && row["reporter_email"] != .null)
    }

    @Test func anIssueFillsTheSixTables() throws {
        let issue: [String: Any] = [
            "id": "10042", "key": "SUP-42",
            "fields": [
                "summary": "Printer on fire", "created": "2026-03-31T23:30:00.000-0200", "updated": "2026-04-02T08:00:00.000+0000",
                "status": ["name": "Open", "statusCategory": ["name": "To Do"]], "labels": ["hw", "urgent"],
                "reporter": ["emailAddress": "ann@example.com", "displayName": "Ann"],
                "customfield_10004": ["value": "High"],
                "customfield_10328": [
                    "ongoingCycle": ["breached": true, "goalDuration": ["millis": 3_600_000], "elapsedTime": ["millis": 7_200_000]]
                ],
                "comment": [
                    "comments": [["id": "7", "author": ["displayName": "Bob"], "body": "On it", "created": "2026-04-01T00:00:00.000+0000"]]
                ],
                "attachment": [["id": "9", "filename": "../../etc/passwd", "size": 12, "content": "https://x.atlassian.net/a/9"]],
                "issuelinks": [["id": "5", "type": ["name": "Blocks"], "outwardIssue": ["key": "SUP-7", "fields": ["summary": "Other"]]]],
            ],
            "changelog": [
                "histories": [
                    [
                        "id": "100", "created": "2026-04-01T10:00:00.000+0000",
                        "items": [["field": "status", "fromString": "New", "toString": "Open"]],
                    ]
                ]
            ],
        ]
        let remote: [[String: Any]] = [
            ["id": 3, "object": ["url": "https://wiki/x", "title": "Runbook"], "application": ["name": "Confluence"]]
        ]
        let site = try #require(URL(string: "https://x.atlassian.net"))
        let made = try #require(JiraIssueRows(issue: issue, remoteLinks: remote, site: site, syncedAt: Date(timeIntervalSince1970: 0)))
        #expect(made.shard == "2026-04", "created 23:30 at -02:00 is April in UTC")
        let row = try #require(made.rows[.issues]?.first)
        #expect(Set(row.keys) == Set(JiraTable.issues.columns.map(\.name)), "every column, and only those")
        #expect(row["issue_url"] == .text("https://x.atlassian.net/browse/SUP-42"))
        #expect(row["labels"] == .text("hw,urgent") && row["severity"] == .text("High") && row["status_category"] == .text("To Do"))
        #expect(row["first_response_breached"] == .text("true") && row["first_response_goal_millis"] == .integer(3_600_000))
        #expect(row["comment_count"] == .integer(1) && row["assignee_email"] == .null)
        #expect(made.rows[.comments]?.first?["author_name"] == .text("Bob"))
        #expect(made.rows[.attachments]?.first?["local_path"] == .text("attachments/SUP-42/9_passwd"), "a safe base name")
        #expect(made.rows[.issuelinks]?.first?["direction"] == .text("outward"))
        #expect(made.rows[.changelog]?.first?["to_value"] == .text("Open"))
        #expect(made.rows[.remote_links]?.first?["remote_link_id"] == .text("3"))
        for table in JiraTable.allCases {
            for row in made.rows[table] ?? [] { #expect(Set(row.keys) == Set(table.columns.map(\.name)), "\(table)") }
        }
        #expect(JiraIssueRows(issue: ["key": "../../x"], site: nil, syncedAt: Date()) == nil)
    }
}
