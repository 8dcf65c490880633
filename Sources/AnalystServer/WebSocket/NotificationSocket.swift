import AnalystCore
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import JSONWriting
import Logging
import NIOCore
import Synchronization

/// The WebSocket connections of signed-in users, and the channel that pushes script notifications to them
/// (reference §6.3's messages: `{"type":"notification", id, title, message, script, timestamp, image_url?}`).
final class NotificationHub: NotificationSink, Sendable {
    var channel: String { "websocket" }
    /// Connections one user may hold at once.
    static let maxPerUser = 5
    private let connections = Mutex<[String: [UUID: AsyncStream<String>.Continuation]]>([:])

    /// A connection's queue of messages, or `nil` when the user has `maxPerUser` already.
    func register(userID: String) -> (id: UUID, messages: AsyncStream<String>)? {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(100))
        let id = UUID()
        let added = connections.withLock { all -> Bool in
            guard (all[userID]?.count ?? 0) < Self.maxPerUser else { return false }
            all[userID, default: [:]][id] = continuation
            return true
        }
        return added ? (id, stream) : nil
    }

    func remove(userID: String, id: UUID) {
        let removed = connections.withLock { all -> AsyncStream<String>.Continuation? in
            let continuation = all[userID]?.removeValue(forKey: id)
            if all[userID]?.isEmpty == true { all[userID] = nil }
            return continuation
        }
        removed?.finish()
    }

    /// Open connections by user id.
    var counts: [String: Int] { connections.withLock { $0.mapValues(\.count) } }

    func deliver(_ notification: ScriptStore.Notification, image: Data?, to user: User) async {
        let message = Self.message(notification)
        let targets = connections.withLock { Array(($0[user.id] ?? [:]).values) }
        for continuation in targets { continuation.yield(message) }
    }

    static func message(_ notification: ScriptStore.Notification) -> String {
        var fields = [
            "\"type\":\"notification\"", "\"id\":\(JSONText.quote(notification.id))",
            "\"title\":\(notification.title.map(JSONText.quote) ?? "null")", "\"message\":\(JSONText.quote(notification.message))",
            "\"script\":\(notification.scriptName.map(JSONText.quote) ?? "null")",
            "\"timestamp\":\(JSONText.quote(notification.createdAt.formatted(Date.ISO8601FormatStyle())))",
        ]
        if let file = notification.imageFile { fields.append("\"image_url\":\(JSONText.quote("/api/notifications/images/" + file))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// `GET /ws/notifications`: a WebSocket authenticated by the API's tokens — the `Authorization: Bearer` header, the
/// session cookie (only from the server's own origin), or, as the reference's gateway, a first message
/// `{"type":"auth","token":…}` within `authTimeout`. Answers `auth_ok` / `auth_error` as the reference; pings
/// (`{"type":"ping"}`) every `pingInterval` and closes after 3 unanswered pings (`{"type":"pong"}` answers).
struct NotificationSocket: Sendable {
    let hub: NotificationHub
    let authenticate: @Sendable (String) async throws -> User
    var pingInterval: Duration = .seconds(30)
    var authTimeout: Duration = .seconds(10)
    static let path = "/ws/notifications"
    static let missedPingLimit = 3

    /// Upgrades requests for `path`; the session decides who it is for.
    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel, logger: Logger) async throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        guard request.path?.split(separator: "?").first.map(String.init) == Self.path else { return .dontUpgrade }
        let credential = Self.credential(request)
        return .upgrade([:]) { inbound, outbound, _ in
            await session(credential: credential, inbound: inbound, outbound: outbound, logger: logger)
        }
    }

    /// What the upgrade request carried.
    enum Credential: Sendable {
        case token(String)
        case crossSiteCookie
        case none
    }

    static func credential(_ request: HTTPRequest) -> Credential {
        if let header = request.headerFields[.authorization] {
            guard header.hasPrefix("Bearer ") else { return .token("") }
            return .token(String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces))
        }
        for cookie in request.headerFields[values: .cookie].flatMap({ $0.split(separator: ";") }) {
            let parts = cookie.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == "access_token" else { continue }
            // A browser sends the cookie on any site's WebSocket: only this server's pages may use it.
            guard let origin = request.headerFields[.origin].flatMap(URLComponents.init(string:)), let host = origin.host,
                let authority = request.authority
            else { return .crossSiteCookie }
            let originAuthority = origin.port.map { "\(host):\($0)" } ?? host
            return originAuthority.lowercased() == authority.lowercased() ? .token(String(parts[1])) : .crossSiteCookie
        }
        return .none
    }

    private func session(
        credential: Credential, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger
    ) async {
        let session = Session(outbound: outbound, authenticate: authenticate)
        switch credential {
        case .crossSiteCookie:
            await session.refuse("Cross-site WebSocket refused: connect from this server's pages or send a bearer token")
            return
        case .token(let token):
            guard await session.accept(token) else { return }
        case .none: break
        }
        let hub = hub, authTimeout = authTimeout, pingInterval = pingInterval
        await withTaskGroup(of: Void.self) { group in
            // Inbound: the first-message sign-in, pongs; the session ends when the client goes.
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 64 << 10) {
                        guard await session.handle(message) else { return }
                    }
                } catch {
                    logger.debug("notification socket ended", metadata: ["error": "\(error)"])
                }
            }
            // Outbound: the sign-in deadline, then auth_ok, notifications and pings.
            group.addTask {
                let deadline = ContinuousClock.now + authTimeout
                while session.user == nil {
                    if ContinuousClock.now >= deadline {
                        await session.refuse("Auth timeout")
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                    if Task.isCancelled { return }
                }
                guard let user = session.user else { return }
                guard let (id, messages) = hub.register(userID: user.id) else {
                    await session.refuse("Too many connections")
                    return
                }
                defer { hub.remove(userID: user.id, id: id) }
                await session.send("{\"type\":\"auth_ok\",\"username\":\(JSONText.quote(user.email))}")
                await withTaskGroup(of: Void.self) { inner in
                    inner.addTask {
                        for await message in messages { await session.send(message) }
                    }
                    inner.addTask { await session.ping(every: pingInterval) }
                    await inner.next()
                    inner.cancelAll()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}

/// One connection's state: who it is for (once signed in) and the pings it has not answered.
private final class Session: Sendable {
    let outbound: WebSocketOutboundWriter
    let authenticate: @Sendable (String) async throws -> User
    private let state = Mutex<(user: User?, missed: Int)>((nil, 0))

    init(outbound: WebSocketOutboundWriter, authenticate: @escaping @Sendable (String) async throws -> User) {
        self.outbound = outbound
        self.authenticate = authenticate
    }

    var user: User? { state.withLock { $0.user } }

    func send(_ text: String) async {
        try? await outbound.write(.text(text))
    }

    func refuse(_ message: String) async {
        await send("{\"type\":\"auth_error\",\"message\":\(JSONText.quote(message))}")
        try? await outbound.close(.policyViolation, reason: message)
    }

    /// Signs the connection in with `token`; refuses it (and says so) when the token is not valid.
    func accept(_ token: String) async -> Bool {
        guard let user = try? await authenticate(token) else {
            await refuse("Invalid token")
            return false
        }
        state.withLock { $0.user = user }
        return true
    }

    /// One message from the client; `false` when the connection was refused.
    func handle(_ message: WebSocketMessage) async -> Bool {
        guard case .text(let text) = message,
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        else {
            if user == nil {
                await refuse("Invalid JSON")
                return false
            }
            return true
        }
        if user == nil {
            guard object["type"] as? String == "auth", let token = object["token"] as? String else {
                await refuse("Expected auth message with token")
                return false
            }
            return await accept(token)
        }
        if object["type"] as? String == "pong" { state.withLock { $0.missed = 0 } }
        return true
    }

    /// Sends `{"type":"ping"}` every `interval`; closes after `NotificationSocket.missedPingLimit` unanswered pings.
    func ping(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            let missed = state.withLock { state -> Int in
                state.missed += 1
                return state.missed
            }
            if missed > NotificationSocket.missedPingLimit {
                try? await outbound.close(.goingAway, reason: "no pong to \(NotificationSocket.missedPingLimit) pings")
                return
            }
            await send("{\"type\":\"ping\"}")
        }
    }
}
