import DuckDB
import Foundation
import JSONWriting

/// One API call as recorded in `audit_log`.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var id: String
    public var timestamp: Date
    public var userID: String?
    /// Method and route pattern, e.g. `DELETE /api/users/{id}`.
    public var action: String
    /// What the call was about: the route's `id` parameter, else its path parameters joined by `/` (the table of
    /// `/api/catalog/profile/{table}`), else `nil`.
    public var resource: String?
    /// The concrete path that was called, e.g. `/api/catalog/profile/orders` (without the query string).
    public var path: String?
    /// Query parameters as a JSON object, secrets removed.
    public var params: String?
    public var status: Int
    public var durationMilliseconds: Double
    public var clientAddress: String?
    public var requestID: String?

    public init(
        id: String = UUID().uuidString.lowercased(), timestamp: Date = Date(), userID: String?, action: String,
        resource: String?, path: String? = nil, params: String?, status: Int, durationMilliseconds: Double,
        clientAddress: String?, requestID: String?
    ) {
        self.id = id
        self.timestamp = timestamp
        self.userID = userID
        self.action = action
        self.resource = resource
        self.path = path
        self.params = params
        self.status = status
        self.durationMilliseconds = durationMilliseconds
        self.clientAddress = clientAddress
        self.requestID = requestID
    }

    /// Words that mark a parameter as secret wherever they appear in its name.
    static let secretWords = ["password", "token", "secret", "key", "code", "authorization", "cookie"]
    /// Values longer than this (as JSON) are recorded as their size only.
    static let longestValue = 512

    /// Query parameters as JSON with the values of secret-looking keys replaced by `"***"`.
    public static func redactedParams(_ pairs: [(String, String)]) -> String? {
        redactedParams(query: pairs, jsonBody: nil)
    }

    /// Query parameters and the fields of a JSON body as one JSON object, secrets replaced by `"***"` at any depth
    /// and long values replaced by their size; a body that is not an object is recorded under `"body"`.
    /// `nil` when there is nothing to record.
    public static func redactedParams(query: [(String, String)], jsonBody: Data?) -> String? {
        var fields = query.map { key, value in
            JSONText.quote(key) + ":" + JSONText.quote(isSecret(key) ? "***" : value)
        }
        if let jsonBody, !jsonBody.isEmpty,
            let body = try? JSONSerialization.jsonObject(with: jsonBody, options: [.fragmentsAllowed])
        {
            if let object = body as? [String: Any] {
                for key in object.keys.sorted() {
                    fields.append(JSONText.quote(key) + ":" + (isSecret(key) ? #""***""# : encoded(redacted(object[key] as Any))))
                }
            } else {
                fields.append(#""body":"# + encoded(redacted(body)))
            }
        }
        return fields.isEmpty ? nil : "{" + fields.joined(separator: ",") + "}"
    }

    static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    private static func redacted(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            return Dictionary(uniqueKeysWithValues: object.map { key, inner in (key, isSecret(key) ? "***" : redacted(inner)) })
        }
        if let array = value as? [Any] { return array.map(redacted) }
        return value
    }

    private static func encoded(_ value: Any) -> String {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])
        else { return "null" }
        return data.count > longestValue ? JSONText.quote("<\(data.count) bytes>") : String(decoding: data, as: UTF8.self)
    }
}
