import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The fake Jira Cloud speaks the wire protocol the Jira connector will rely on.
@Suite struct FakeJiraTests {
    /// Sends a request with the fake's basic auth (or `authorization`); returns the body, status and response.
    private func call(
        _ jira: FakeJira, _ path: String, method: String = "GET", json: Any? = nil, authorization: String?? = .none
    ) async throws -> (Data, Int, HTTPURLResponse?) {
        let url = try #require(URL(string: path.hasPrefix("http") ? path : jira.url + path))
        var request = URLRequest(url: url)
        request.httpMethod = method
        let header = authorization ?? jira.authorization
        if let header { request.setValue(header, forHTTPHeaderField: "Authorization") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (data, http?.statusCode ?? 0, http)
    }

    private func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func refusesCallsWithoutTheRightBasicAuth() async throws {
        let jira = try await FakeJira.start(email: "bot@example.com", token: "secret")
        jira.put(issue: .init(key: "SUP-1"))
        let path = "/rest/api/3/issue/SUP-1"
        let wrong = "Basic " + Data("bot@example.com:nope".utf8).base64EncodedString()
        #expect(try await call(jira, path, authorization: .some(nil)).1 == 401)
        let (body, status, _) = try await call(jira, path, authorization: wrong)
        #expect(status == 401)
        #expect((try object(body)["errorMessages"] as? [String])?.isEmpty == false)
        #expect(try await call(jira, path).1 == 200)
        #expect(jira.requests(pathPrefix: "/rest/api/3/issue/SUP-1") == 3)
        await jira.stop()
    }

    @Test func answersAnIssueWithEveryBuiltField() async throws {
        let jira = try await FakeJira.start()
        let created = FakeJira.defaultDate
        jira.put(
            issue: .init(
                key: "SUP-42", summary: "Export fails", description: "First line\nSecond line", status: "In Progress", priority: "High",
                reporter: .bob, created: created, updated: created.addingTimeInterval(3600), labels: ["billing", "urgent"],
                comments: [.init(id: "100", author: .alice, body: "Looking into it")],
                attachments: [.init(id: "500", filename: "log.txt", bytes: Data("hello".utf8))],
                links: [.init(id: "700", key: "SUP-7", summary: "Root cause")],
                remoteLinks: [.init(id: 9, url: "https://wiki.example/page", title: "Runbook", applicationName: "Confluence")],
                changelog: [.init(id: "800", items: [.init(field: "status", from: "To Do", to: "In Progress")])], severity: "S2",
                requestType: "Report a bug", firstResponse: .init(breached: true, goalMillis: 14_400_000, elapsedMillis: 20_000_000),
                timeToResolution: .init(goalMillis: 86_400_000, elapsedMillis: 3_600_000),
                customFields: ["customfield_10157": #"{"rating":4}"#]))

        let (data, status, _) = try await call(jira, "/rest/api/3/issue/SUP-42?expand=renderedFields,changelog&fields=*all")
        #expect(status == 200)
        let issue = try object(data)
        #expect(issue["key"] as? String == "SUP-42")
        #expect(issue["id"] as? String == "10042")
        let fields = try #require(issue["fields"] as? [String: Any])
        #expect(fields["summary"] as? String == "Export fails")
        let description = try #require(fields["description"] as? [String: Any])
        #expect(description["type"] as? String == "doc")
        #expect((description["content"] as? [Any])?.count == 2)
        let status_ = try #require(fields["status"] as? [String: Any])
        #expect(status_["name"] as? String == "In Progress")
        #expect((status_["statusCategory"] as? [String: Any])?["name"] as? String == "In Progress")
        #expect((fields["priority"] as? [String: Any])?["name"] as? String == "High")
        #expect((fields["reporter"] as? [String: Any])?["emailAddress"] as? String == "bob@example.com")
        #expect((fields["project"] as? [String: Any])?["key"] as? String == "SUP")
        #expect(fields["created"] as? String == "2026-03-01T10:15:30.123+0100")
        #expect(fields["updated"] as? String == "2026-03-01T11:15:30.123+0100")
        #expect(fields["resolutiondate"] is NSNull)
        #expect(fields["labels"] as? [String] == ["billing", "urgent"])
        let comments = try #require((fields["comment"] as? [String: Any])?["comments"] as? [[String: Any]])
        #expect(comments.first?["id"] as? String == "100")
        #expect((comments.first?["author"] as? [String: Any])?["emailAddress"] as? String == "alice@example.com")
        let commentText =
            ((comments.first?["body"] as? [String: Any])?["content"] as? [[String: Any]])?.first?["content"] as? [[String: Any]]
        #expect(commentText?.first?["text"] as? String == "Looking into it")
        let attachment = try #require((fields["attachment"] as? [[String: Any]])?.first)
        #expect(attachment["size"] as? Int == 5)
        #expect(attachment["content"] as? String == "\(jira.url)/rest/api/3/attachment/content/500")
        let link = try #require((fields["issuelinks"] as? [[String: Any]])?.first)
        #expect((link["outwardIssue"] as? [String: Any])?["key"] as? String == "SUP-7")
        #expect((link["type"] as? [String: Any])?["name"] as? String == "Blocks")
        #expect((fields["customfield_10004"] as? [String: Any])?["value"] as? String == "S2")
        #expect(((fields["customfield_10010"] as? [String: Any])?["requestType"] as? [String: Any])?["name"] as? String == "Report a bug")
        let firstResponse = try #require((fields["customfield_10328"] as? [String: Any])?["ongoingCycle"] as? [String: Any])
        #expect(firstResponse["breached"] as? Bool == true)
        #expect((firstResponse["goalDuration"] as? [String: Any])?["millis"] as? Int == 14_400_000)
        #expect((fields["customfield_10157"] as? [String: Any])?["rating"] as? Int == 4)
        #expect(fields["customfield_10156"] is NSNull)
        let history = try #require(((issue["changelog"] as? [String: Any])?["histories"] as? [[String: Any]])?.first)
        #expect((history["items"] as? [[String: Any]])?.first?["toString"] as? String == "In Progress")
        #expect((issue["renderedFields"] as? [String: Any])?["description"] as? String == "<p>First line</p>\n<p>Second line</p>")

        let (links, _, _) = try await call(jira, "/rest/api/3/issue/SUP-42/remotelink")
        let remote = try #require((try JSONSerialization.jsonObject(with: links) as? [[String: Any]])?.first)
        #expect((remote["object"] as? [String: Any])?["url"] as? String == "https://wiki.example/page")
        #expect((remote["application"] as? [String: Any])?["name"] as? String == "Confluence")

        let (sla, _, _) = try await call(jira, "/rest/servicedeskapi/request/SUP-42/sla")
        #expect((try object(sla)["values"] as? [Any])?.count == 2)

        let event = try object(jira.webhookEvent("comment_created", key: "SUP-42"))
        #expect(event["webhookEvent"] as? String == "comment_created")
        #expect((event["issue"] as? [String: Any])?["key"] as? String == "SUP-42")
        #expect((event["comment"] as? [String: Any])?["id"] as? String == "100")

        jira.delete("SUP-42")
        let (missing, missingStatus, _) = try await call(jira, "/rest/api/3/issue/SUP-42")
        #expect(missingStatus == 404)
        #expect(try object(missing)["errorMessages"] as? [String] == ["Issue does not exist or you do not have permission to see it."])
        await jira.stop()
    }

    @Test func searchPagesThroughEveryIssueOnce() async throws {
        let jira = try await FakeJira.start(pageSize: 10)
        for number in 1...25 {
            let updated = FakeJira.defaultDate.addingTimeInterval(Double((number * 7) % 25) * 600)
            jira.put(issue: .init(key: "SUP-\(number)", status: number == 3 ? "Done" : "To Do", updated: updated))
        }
        jira.put(issue: .init(key: "OTHER-1"))
        var keys: [String] = []
        var updates: [String] = []
        var token: String?
        var pages = 0
        repeat {
            var body: [String: Any] = ["jql": "project = SUP ORDER BY updated ASC", "fields": ["updated"], "maxResults": 50]
            if let token { body["nextPageToken"] = token }
            let (data, status, _) = try await call(jira, "/rest/api/3/search/jql", method: "POST", json: body)
            #expect(status == 200)
            let page = try object(data)
            let issues = try #require(page["issues"] as? [[String: Any]])
            #expect(issues.count <= 10)
            keys += issues.compactMap { $0["key"] as? String }
            updates += issues.compactMap { ($0["fields"] as? [String: Any])?["updated"] as? String }
            token = page["nextPageToken"] as? String
            #expect((page["isLast"] as? Bool) == (token == nil))
            pages += 1
        } while token != nil && pages < 10
        #expect(pages == 3)
        #expect(keys.count == 25)
        #expect(Set(keys) == Set((1...25).map { "SUP-\($0)" }))
        #expect(updates == updates.sorted())

        jira.setPageSize(100)
        let (open, _, _) = try await call(
            jira, "/rest/api/3/search/jql", method: "POST",
            json: ["jql": #"project = SUP AND statusCategory != Done AND updated >= "2026-03-01 12:00""#, "maxResults": 100])
        let openKeys = try #require(try object(open)["issues"] as? [[String: Any]]).compactMap { $0["key"] as? String }
        // Updated at 11:00 UTC or later (offsets of 11 to 24 ten-minute steps), SUP-3 (Done) excluded.
        #expect(openKeys.count == 13)
        #expect(!openKeys.contains("SUP-3"))

        let (_, bad, _) = try await call(jira, "/rest/api/3/search/jql", method: "POST", json: ["jql": "summary ~ boom"])
        #expect(bad == 400)
        await jira.stop()
    }

    @Test func rateLimitsOnCommand() async throws {
        let jira = try await FakeJira.start()
        jira.put(issue: .init(key: "SUP-1"))
        jira.rateLimitNext(1, retryAfter: 7)
        let (_, status, response) = try await call(jira, "/rest/api/3/issue/SUP-1")
        #expect(status == 429)
        #expect(response?.value(forHTTPHeaderField: "Retry-After") == "7")
        #expect(try await call(jira, "/rest/api/3/issue/SUP-1").1 == 200)
        jira.failNext(1, pathPrefix: "/rest/api/3/search", status: 503)
        #expect(try await call(jira, "/rest/api/3/search/jql", method: "POST", json: ["jql": ""]).1 == 503)
        #expect(try await call(jira, "/rest/api/3/search/jql", method: "POST", json: ["jql": ""]).1 == 200)
        #expect(jira.requests(pathPrefix: "/rest/api/3/issue/") == 2)
        await jira.stop()
    }

    @Test func attachmentContentRedirectsOnTheFakesHost() async throws {
        let jira = try await FakeJira.start()
        let bytes = Data("%PDF-1.7 fake".utf8)
        jira.put(
            issue: .init(
                key: "SUP-1",
                attachments: [
                    .init(id: "10001", filename: "report final.pdf", mimeType: "application/pdf", bytes: bytes),
                    .init(id: "10002", filename: "evil.txt", bytes: Data(), contentURL: "http://169.254.169.254/latest/meta-data"),
                ]))
        let (data, status, response) = try await call(jira, "/rest/api/3/attachment/content/10001")
        #expect(status == 200)
        #expect(data == bytes)
        let final = try #require(response?.url)
        #expect(final.host == "127.0.0.1")
        #expect(final.port == jira.port)
        #expect(final.path.hasPrefix("/secure/attachment/10001/"))
        #expect(jira.requests(pathPrefix: "/secure/attachment/10001/") == 1)
        // The signed URL alone is not enough without its token.
        #expect(try await call(jira, "/secure/attachment/10001/x", authorization: .some(nil)).1 == 401)

        let issue = try object(try await call(jira, "/rest/api/3/issue/SUP-1").0)
        let attachments = try #require((issue["fields"] as? [String: Any])?["attachment"] as? [[String: Any]])
        #expect(attachments.last?["content"] as? String == "http://169.254.169.254/latest/meta-data")
        await jira.stop()
    }
}
