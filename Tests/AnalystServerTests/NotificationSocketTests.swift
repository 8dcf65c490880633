import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import TestSupport
import Testing

@testable import AnalystServer

/// `GET /ws/notifications` on a live server: sign-in by header or first message, refusals in the reference's words,
/// and a script's notification pushed to the owner's connection.
@Suite(.serialized) struct NotificationSocketTests {
    /// Connects, sends `first` (if any), and collects text messages until `enough` says so (or the server closes).
    func collect(
        port: Int, headers: HTTPFields = [:], first: String? = nil, while running: @escaping @Sendable () async throws -> Void = {},
        until enough: @escaping @Sendable ([String]) -> Bool
    ) async throws -> [String] {
        let received = MessagesBox()
        var configuration = WebSocketClientConfiguration()
        configuration.additionalHeaders = headers
        try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(port)/ws/notifications", configuration: configuration, logger: Logger(label: "ws-test")
        ) { inbound, outbound, _ in
            // Bounded: the connection is closed after a generous wait whatever arrived.
            let closer = Task {
                try? await Task.sleep(for: .seconds(60))
                try? await outbound.close(.normalClosure, reason: "test deadline")
            }
            defer { closer.cancel() }
            if let first { try await outbound.write(.text(first)) }
            var started = false
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                received.append(text)
                if !started, text.contains("auth_ok") {
                    started = true
                    try await running()
                }
                if enough(received.all) { break }
            }
        }
        return received.all
    }

    final class MessagesBox: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func append(_ text: String) { lock.withLock { messages.append(text) } }
        var all: [String] { lock.withLock { messages } }
    }

    @Test func signInAndReceiveANotification() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await DataPlaneTests().fixture(in: directory)
        let token = fixture.analystToken
        try await buildApplication(dependencies: fixture.dependencies).test(.live) { client in
            let port = try #require(client.port)
            // Header sign-in, then a script's notification arrives on the socket.
            let source = "import json\n" + #"print(json.dumps({"notify": True, "title": "Orders", "message": "3 new", "cooldown": "0m"}))"#
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["source": source]), as: UTF8.self)
            let messages = try await collect(
                port: port, headers: [.authorization: "Bearer \(token)"],
                while: {
                    let response = try await client.post("/api/scripts/run", json: body, headers: [.authorization: "Bearer \(token)"])
                    #expect(response.status == .ok)
                }, until: { $0.contains { $0.contains("\"type\":\"notification\"") } })
            #expect(messages.first == #"{"type":"auth_ok","username":"ana@example.com"}"#)
            let notification = try #require(messages.first { $0.contains("notification") })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(notification.utf8)) as? [String: Any])
            #expect(
                object["title"] as? String == "Orders" && object["message"] as? String == "3 new" && object["script"] as? String == "adhoc")

            // The reference's first-message sign-in.
            let byMessage = try await collect(port: port, first: #"{"type":"auth","token":"\#(token)"}"#, until: { !$0.isEmpty })
            #expect(byMessage.first?.contains("auth_ok") == true)

            // Refusals say why, then the server closes.
            for (first, expected) in [
                (#"{"type":"auth","token":"not-a-token"}"#, "Invalid token"), ("hello", "Invalid JSON"),
                (#"{"type":"subscribe"}"#, "Expected auth message with token"),
            ] {
                let refused = try await collect(port: port, first: first, until: { !$0.isEmpty })
                #expect(refused == [#"{"type":"auth_error","message":"\#(expected)"}"#], "\(first)")
            }
            // A cross-site cookie is refused before the client says anything (the refusal may arrive with the
            // upgrade's answer); under a loaded suite the test client has twice returned no message at all. The
            // refusal must be seen within three tries, and no try may be signed in.
            var crossSite: [[String]] = []
            for _ in 0..<3 {
                crossSite.append(
                    try await collect(
                        port: port, headers: [.cookie: "access_token=\(token)", .origin: "https://evil.example"],
                        until: { !$0.isEmpty }))
                if crossSite.last?.isEmpty == false { break }
            }
            #expect(crossSite.contains { $0.first?.contains("Cross-site WebSocket refused") == true }, "\(crossSite)")
            #expect(!crossSite.joined().contains { $0.contains("auth_ok") })
        }
        await fixture.dependencies.close()
    }

    @Test func fiveConnectionsPerUserPingsAndTheSignInDeadline() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory) {
            $0.notificationPing = .milliseconds(300)
            $0.notificationSignIn = .milliseconds(500)
        }
        let users = dependencies.stores.users
        let ana = try await users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let token = try await dependencies.signIn.tokens.issue(for: ana, users: users)
        try await buildApplication(dependencies: dependencies).test(.live) { client in
            let port = try #require(client.port)
            // A client that answers pings stays; five stay at once, the sixth is refused.
            let answered = MessagesBox()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        var configuration = WebSocketClientConfiguration()
                        configuration.additionalHeaders = [.authorization: "Bearer \(token)"]
                        try await WebSocketClient.connect(
                            url: "ws://127.0.0.1:\(port)/ws/notifications", configuration: configuration, logger: Logger(label: "ws-test")
                        ) { inbound, outbound, _ in
                            var pings = 0
                            for try await message in inbound.messages(maxSize: 1 << 16) {
                                guard case .text(let text) = message else { continue }
                                if text.contains("\"ping\"") {
                                    pings += 1
                                    try await outbound.write(.text(#"{"type":"pong"}"#))
                                    // Alive well past three ping intervals: pongs keep it open.
                                    if pings == 6 {
                                        answered.append("alive")
                                        try await outbound.close(.normalClosure, reason: nil)
                                    }
                                }
                            }
                        }
                    }
                }
                let deadline = ContinuousClock.now + .seconds(30)
                while dependencies.background.notificationHub.counts[ana.id] ?? 0 < 5, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let sixth = try await collect(port: port, headers: [.authorization: "Bearer \(token)"], until: { !$0.isEmpty })
                #expect(sixth == [#"{"type":"auth_error","message":"Too many connections"}"#])
                try await group.waitForAll()
            }
            #expect(answered.all.count == 5)

            // A client that never answers is closed after three pings; one that never signs in, at the deadline.
            let silent = try await collect(port: port, headers: [.authorization: "Bearer \(token)"], until: { _ in false })
            #expect(silent.filter { $0.contains("ping") }.count == 3, "\(silent)")
            let anonymous = try await collect(port: port, until: { _ in false })
            #expect(anonymous == [#"{"type":"auth_error","message":"Auth timeout"}"#])
        }
        await dependencies.close()
    }
}
