import Foundation

/// One API call as recorded in `audit_log`.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var id: String
    public var timestamp: Date
    public var userID: String?
    /// Method and route pattern, e.g. `DELETE /api/users/{id}`.
    public var action: String
    /// The route's `id` parameter, when it has one.
    public var resource: String?
    /// Query parameters as a JSON object, secrets removed.
    public var params: String?
    public var status: Int
    public var durationMilliseconds: Double
    public var clientAddress: String?
    public var requestID: String?

    public init(
        id: String = UUID().uuidString.lowercased(), timestamp: Date = Date(), userID: String?, action: String,
        resource: String?, params: String?, status: Int, durationMilliseconds: Double, clientAddress: String?,
        requestID: String?
    ) {
        self.id = id
        self.timestamp = timestamp
        self.userID = userID
        self.action = action
        self.resource = resource
        self.params = params
        self.status = status
        self.durationMilliseconds = durationMilliseconds
        self.clientAddress = clientAddress
        self.requestID = requestID
    }

    /// Query parameters as JSON with the values of secret-looking keys replaced by `"***"`.
    public static func redactedParams(_ pairs: [(String, String)]) -> String? {
        guard !pairs.isEmpty else { return nil }
        let secretWords = ["password", "token", "secret", "key", "code", "authorization", "cookie"]
        let fields = pairs.map { key, value -> String in
            let lowered = key.lowercased()
            let shown = secretWords.contains { lowered.contains($0) } ? "***" : value
            return JSONText.quote(key) + ":" + JSONText.quote(shown)
        }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
