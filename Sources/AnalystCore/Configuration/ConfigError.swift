/// Why `instance.yaml` could not be loaded; `description` tells the operator what to fix.
///
/// Loading stops at the first error so the message can name one exact key and one fix.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    /// `CONFIG_DIR` points at a directory without an `instance.yaml`.
    case fileNotFound(path: String)
    /// The file exists but could not be read as UTF-8 text.
    case unreadable(path: String, reason: String)
    /// The file is not valid YAML; `message` is the parser's, including the line when it has one.
    case invalidYAML(path: String, message: String)
    /// The document's top level is a list or a single value instead of `key: value` sections.
    case notAMapping(path: String)
    /// A known key holds the wrong kind of value, e.g. `expected: "an integer"`, `found: "the string \"abc\""`.
    case wrongType(key: String, expected: String, found: String)
    /// A known key has the right type but a value outside what it allows.
    case invalidValue(key: String, message: String)

    /// A full sentence naming the file or key, what is wrong with it, and what to change.
    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): file not found. CONFIG_DIR must point at a directory containing instance.yaml; "
                + "copy config/instance.yaml.example there or unset CONFIG_DIR."
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file (\(reason)). Check that it is a UTF-8 text file the server "
                + "user may read."
        case .invalidYAML(let path, let message):
            return "\(path): not valid YAML; fix the syntax at the line:column shown.\n\(message)"
        case .notAMapping(let path):
            return "\(path): the top level must be a mapping of sections such as `server:` and `auth:`, "
                + "not a list or a single value."
        case .wrongType(let key, let expected, let found):
            return "instance.yaml: \(key) must be \(expected), found \(found)" + Self.quotingHint(expected, found)
        case .invalidValue(let key, let message):
            return "instance.yaml: \(key) \(message)"
        }
    }

    /// YAML turns unquoted `yes`, `8000` or `1.5` into booleans and numbers; when a text value was
    /// wanted, quoting it is the whole fix, so say so.
    private static func quotingHint(_ expected: String, _ found: String) -> String {
        let scalarPrefixes = ["the integer ", "the number ", "the boolean "]
        guard expected.hasPrefix("a string"), scalarPrefixes.contains(where: found.hasPrefix) else { return "" }
        return " (put the value in quotes to keep it as text)"
    }
}
