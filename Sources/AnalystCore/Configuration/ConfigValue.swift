import Foundation

/// A parsed YAML value from `instance.yaml`, keeping every key whether the server knows it or not.
///
/// Mappings keep the file's key order so tools that show or rewrite the config stay faithful to it.
public enum ConfigValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case list([ConfigValue])
    case mapping([(key: String, value: ConfigValue)])

    /// An empty mapping: the configuration of a fresh checkout without `instance.yaml`.
    public static let emptyMapping = ConfigValue.mapping([])

    /// Value for `key` when this is a mapping; nil for a missing key or a non-mapping.
    public subscript(key: String) -> ConfigValue? {
        guard case .mapping(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// Value at a dotted path such as `"email.smtp_port"`; nil when any step is missing or not a mapping.
    public func value(at path: String) -> ConfigValue? {
        var current = self
        for component in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current[String(component)] else { return nil }
            current = next
        }
        return current
    }

    // Tuples are not Equatable, so the synthesised conformance is unavailable for `.mapping`.
    public static func == (lhs: ConfigValue, rhs: ConfigValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)): return left == right
        case (.int(let left), .int(let right)): return left == right
        case (.double(let left), .double(let right)): return left == right
        case (.bool(let left), .bool(let right)): return left == right
        case (.null, .null): return true
        case (.list(let left), .list(let right)): return left == right
        case (.mapping(let left), .mapping(let right)):
            return left.count == right.count
                && zip(left, right).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}

// MARK: - Lenient scalar reading

extension ConfigValue {
    /// The value as text: strings as they are, numbers and booleans spelled out; nil for null, lists, mappings.
    public var stringValue: String? {
        switch self {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null, .list, .mapping: return nil
        }
    }

    /// The value as an integer; a string of digits counts too, because `"${PORT}"` substitutes to one.
    public var intValue: Int? {
        switch self {
        case .int(let number): return number
        case .string(let text): return Int(text.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// The value as a boolean; strings true/false/yes/no/on/off/1/0 in any case count too.
    public var boolValue: Bool? {
        switch self {
        case .bool(let flag): return flag
        case .int(0): return false
        case .int(1): return true
        case .string(let text):
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// The value as a number; integers and numeric strings count too.
    public var doubleValue: Double? {
        switch self {
        case .double(let number): return number
        case .int(let number): return Double(number)
        case .string(let text): return Double(text.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// A list of scalars as strings, or a comma-separated string split and trimmed (empty items dropped).
    public var stringListValue: [String]? {
        switch self {
        case .list(let items):
            var strings: [String] = []
            for item in items {
                guard let text = item.stringValue else { return nil }
                strings.append(text)
            }
            return strings
        case .string(let text):
            return text.split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        default:
            return nil
        }
    }
}

// MARK: - Error wording

extension ConfigValue {
    /// How an error message names this value, e.g. `the string "abc"` or `a list`.
    var phrase: String {
        switch self {
        case .string(let text):
            // Keep messages short and avoid echoing a long secret that landed under the wrong key.
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "the string \(shown.debugDescription)"
        case .int(let number): return "the integer \(number)"
        case .double(let number): return "the number \(number)"
        case .bool(let flag): return "the boolean \(flag)"
        case .null: return "null"
        case .list: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
