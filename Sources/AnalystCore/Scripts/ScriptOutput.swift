import Foundation

/// What a notification script prints (reference §6.2): one JSON object, the last line of its output —
/// `{"notify": bool, "title"?: str, "message": str (required when notify), "image_path"?: "/tmp/…",
/// "cooldown"?: "30m" | "1h" | "6h" | "1d" (minutes, hours or days; default 1h), "data"?: object}`.
public struct ScriptOutput: Sendable, Equatable {
    public var notify: Bool
    public var title: String?
    public var message: String?
    public var imagePath: String?
    public var cooldown: Duration
    /// `data` as JSON text.
    public var data: String?

    /// The default cooldown (1 h).
    public static let defaultCooldown: Duration = .seconds(3600)

    /// Why the output does not follow the contract.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Reads the last non-empty line of `stdout`; `nil` when the script printed no JSON object at all (it then just
    /// ran, it does not notify).
    public init?(stdout: String) throws(Invalid) {
        guard let line = stdout.split(whereSeparator: \.isNewline).last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }),
            line.trimmingCharacters(in: .whitespaces).hasPrefix("{"),
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        else { return nil }
        guard let notify = object["notify"] as? Bool else {
            throw Invalid(description: "the output's \"notify\" must be true or false")
        }
        self.notify = notify
        title = object["title"] as? String
        message = object["message"] as? String
        if notify, (message ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw Invalid(description: "the output has \"notify\": true but no \"message\"")
        }
        imagePath = (object["image_path"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        if let text = object["cooldown"] as? String {
            cooldown = try Self.cooldown(text)
        } else {
            cooldown = Self.defaultCooldown
        }
        if let value = object["data"], !(value is NSNull),
            let encoded = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        {
            data = String(decoding: encoded, as: UTF8.self)
        }
    }

    /// `30m`, `1h`, `6h`, `1d`…
    static func cooldown(_ text: String) throws(Invalid) -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last, let value = Int(trimmed.dropLast()), value >= 0 else {
            throw Invalid(description: "the cooldown \"\(text)\" must be a number with m, h or d, e.g. 30m, 6h, 1d")
        }
        switch unit {
        case "m": return .seconds(value * 60)
        case "h": return .seconds(value * 3600)
        case "d": return .seconds(value * 86_400)
        default: throw Invalid(description: "the cooldown \"\(text)\" must be a number with m, h or d, e.g. 30m, 6h, 1d")
        }
    }
}
