import Foundation
import HummingbirdWSClient
import Logging

/// Follows `GET /ws/notifications`: signs in with the bearer token, answers the server's pings, and hands every
/// notification (the server's JSON text) to `onNotification` until the server closes or the task is cancelled.
public struct NotificationListener: Sendable {
    public let server: String
    public let token: String

    public init(server: String, token: String) {
        self.server = server
        self.token = token
    }

    /// The WebSocket URL for `server` (`http` → `ws`, `https` → `wss`).
    public var url: String {
        var base = server.hasSuffix("/") ? String(server.dropLast()) : server
        if base.hasPrefix("https://") {
            base = "wss://" + base.dropFirst("https://".count)
        } else if base.hasPrefix("http://") {
            base = "ws://" + base.dropFirst("http://".count)
        }
        return base + "/ws/notifications"
    }

    /// Why listening stopped before it started.
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Listens; `onSignedIn` runs once the server accepted the token. Throws `Refused` when the server answers
    /// `auth_error`.
    public func listen(
        onSignedIn: @escaping @Sendable (String) -> Void = { _ in }, onNotification: @escaping @Sendable (String) -> Void
    ) async throws {
        var configuration = WebSocketClientConfiguration()
        configuration.additionalHeaders = [.authorization: "Bearer \(token)"]
        let refusal = RefusalBox()
        try await WebSocketClient.connect(url: url, configuration: configuration, logger: Logger(label: "da.notifications")) {
            inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message,
                    let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                else { continue }
                switch object["type"] as? String {
                case "ping": try await outbound.write(.text(#"{"type":"pong"}"#))
                case "auth_ok": onSignedIn(object["username"] as? String ?? "")
                case "auth_error": refusal.set(object["message"] as? String ?? "refused")
                case "notification": onNotification(text)
                default: continue
                }
            }
        }
        if let message = refusal.value { throw Refused(description: "The server refused the connection: \(message)") }
    }
}

private final class RefusalBox: @unchecked Sendable {
    private let lock = NSLock()
    private var message: String?
    func set(_ text: String) { lock.withLock { message = text } }
    var value: String? { lock.withLock { message } }
}
