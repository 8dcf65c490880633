import AnalystCore
import Connectors
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Jira's webhook through HTTP: the signature is the only authentication (fail closed without a secret), every
/// accepted event is in the durable queue before the answer, and nothing else is.
@Suite struct JiraWebhookTests {
    static let secret = "jira-webhook-secret-for-tests"
    /// Without the issue's fields and without Jira to fetch it from, the event stays queued.
    static let event = #"{"webhookEvent":"jira:issue_updated","issue":{"key":"SUP-42"}}"#

    func dependencies(in directory: TemporaryDirectory, secret: String? = JiraWebhookTests.secret) async throws -> ServerDependencies {
        try await makeDependencies(in: directory) {
            $0.connectors.jira = JiraSettings(webhookSecret: secret)
            $0.connectors.jira.maxEventBytes = 4096
        }
    }

    func post(
        _ client: some TestClientProtocol, _ body: String, headers: HTTPFields = [:], path: String = "/api/jira/webhook"
    ) async throws -> TestResponse {
        try await client.execute(
            uri: path, method: .post, headers: headers.merging([.contentType: "application/json"]), body: ByteBuffer(string: body))
    }

    func signed(_ body: String, header: String = "X-Hub-Signature-256", prefix: Bool = true) throws -> HTTPFields {
        var signature = JiraWebhookSignature.sign(Data(body.utf8), secret: JiraWebhookTests.secret)
        if !prefix { signature.removeFirst("sha256=".count) }
        return [try #require(HTTPField.Name(header)): signature]
    }

    @Test func withoutASecretEveryEventIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await dependencies(in: directory, secret: nil)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let refused = try await post(client, JiraWebhookTests.event, headers: try signed(JiraWebhookTests.event))
            #expect(refused.status == .serviceUnavailable)
            #expect(try detail(refused)?.contains("JIRA_WEBHOOK_SECRET") == true)
            let health = try jsonObject(try await client.execute(uri: "/api/jira/webhook/health", method: .get))
            #expect(health["secret_set"] as? Bool == false && health["queue_depth"] as? Int == 0)
        }
        #expect(dependencies.background.jiraEvents.pending().isEmpty)
        await dependencies.close()
    }

    @Test func onlySignedJSONObjectsWithinTheLimitAreQueued() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await dependencies(in: directory)
        let queue = dependencies.background.jiraEvents
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let event = JiraWebhookTests.event
            // Refused: no signature, another secret's, a signature of another body, not hex.
            #expect(try await post(client, event).status == .unauthorized)
            let foreign = JiraWebhookSignature.sign(Data(event.utf8), secret: "another-secret")
            let wrongs: [HTTPFields] = [
                [try #require(HTTPField.Name("X-Hub-Signature-256")): foreign],
                try signed(event + " "),
                [try #require(HTTPField.Name("X-Hub-Signature-256")): "sha256=not-hex"],
            ]
            for headers in wrongs {
                let refused = try await post(client, event, headers: headers)
                #expect(refused.status == .unauthorized)
                #expect(try detail(refused) == "Invalid signature")
            }
            // Not a JSON object, or too large: refused even when signed.
            for body in ["not json", "[1,2]"] {
                #expect(try await post(client, body, headers: try signed(body)).status == .badRequest, "\(body)")
            }
            let large = #"{"webhookEvent":"x","pad":""# + String(repeating: "a", count: 5000) + #""}"#
            #expect(try await post(client, large, headers: try signed(large)).status == .contentTooLarge)
            #expect(queue.pending().isEmpty, "nothing refused was queued")

            // Accepted: either header, with or without `sha256=`, on both paths.
            let accepted = try await post(client, event, headers: try signed(event))
            #expect(accepted.status == .ok)
            let answer = try jsonObject(accepted)
            #expect(answer["event"] as? String == "jira:issue_updated" && answer["issue"] as? String == "SUP-42")
            #expect(try await post(client, event, headers: try signed(event, header: "X-Hub-Signature", prefix: false)).status == .ok)
            #expect(try await post(client, event, headers: try signed(event), path: "/webhooks/jira").status == .ok)

            let health = try jsonObject(try await client.execute(uri: "/webhooks/jira/health", method: .get))
            #expect(health["queue_depth"] as? Int == 3 && health["secret_set"] as? Bool == true)
            #expect(health["configured"] as? Bool == false && health["last_event"] is String)
        }
        // What was queued is the bytes that were signed, in arrival order.
        let pending = queue.pending()
        #expect(pending.count == 3 && pending.allSatisfy { $0.body == Data(JiraWebhookTests.event.utf8) })
        #expect(pending.map(\.id) == pending.map(\.id).sorted())
        await dependencies.close()
    }

    @Test func fiftyConcurrentEventsAreAllQueued() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await dependencies(in: directory)
        try await buildApplication(dependencies: dependencies).test(.live) { client in
            let port = try #require(client.port)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/api/jira/webhook"))
            let statuses = try await JiraWebhookTests.postConcurrently(
                (0..<50).map { #"{"webhookEvent":"jira:issue_created","issue":{"key":"SUP-\#($0)"}}"# }, to: url)
            #expect(statuses == Array(repeating: 200, count: 50))
        }
        let keys = dependencies.background.jiraEvents.pending().compactMap { event in
            ((try? JSONSerialization.jsonObject(with: event.body)) as? [String: Any]).flatMap {
                ($0["issue"] as? [String: Any])?["key"] as? String
            }
        }
        #expect(Set(keys) == Set((0..<50).map { "SUP-\($0)" }))
        await dependencies.close()
    }

    /// Posts every body, signed, at once, each on its own connection; returns the statuses in the bodies' order.
    static func postConcurrently(_ bodies: [String], to url: URL) async throws -> [Int] {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = bodies.count
        configuration.timeoutIntervalForRequest = 120
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        return try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for (index, body) in bodies.enumerated() {
                var request = URLRequest(url: url)
                request.httpMethod = "POST"
                request.httpBody = Data(body.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.setValue(
                    JiraWebhookSignature.sign(Data(body.utf8), secret: JiraWebhookTests.secret), forHTTPHeaderField: "X-Hub-Signature-256")
                group.addTask {
                    let (_, response) = try await session.data(for: request)
                    return (index, (response as? HTTPURLResponse)?.statusCode ?? 0)
                }
            }
            var statuses = Array(repeating: 0, count: bodies.count)
            for try await (index, status) in group { statuses[index] = status }
            return statuses
        }
    }

    @Test func theQueueSurvivesARestartAndForgetsOnlyWhatWasApplied() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = URL(fileURLWithPath: directory.appending("queue"))
        let first = JiraEventQueue(directory: folder)
        let ids = try (0..<3).map { try first.append(Data("{\"n\":\($0)}".utf8)) }
        // A crash mid-write leaves a temporary file, which is never read as an event.
        try Data("{".utf8).write(to: folder.appendingPathComponent(".0000-0000.json.tmp"))
        let restarted = JiraEventQueue(directory: folder)
        #expect(restarted.pending().map(\.id) == ids)
        restarted.complete([ids[0], "../escape.json"])
        #expect(restarted.pending().map(\.body) == [Data("{\"n\":1}".utf8), Data("{\"n\":2}".utf8)])
        #expect(restarted.status().depth == 2)
    }
}
