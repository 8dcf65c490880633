import Foundation

/// Names that end up inside SQL (table ids, source names, aliases) must match `^[a-z_][a-z0-9_]{0,63}$`:
/// lower-case ASCII letters, digits and underscores, not starting with a digit, at most 64 characters.
public enum Identifier {
    /// The rule in words, for error messages.
    public static let rule = "lower-case letters, digits and underscores, starting with a letter or underscore, at most 64 characters"

    /// Whether `name` may be used as an identifier as it is.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 64 else { return false }
        guard first == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    /// The reference's id for a display name: trimmed, lower-cased, spaces and dashes turned into underscores.
    /// The result still has to pass `isValid`.
    public static func normalize(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            .replacingOccurrences(of: " ", with: "_")
            .replacingOccurrences(of: "-", with: "_")
    }

    /// `name` as a double-quoted SQL identifier (quotes doubled), for names that were validated already or come
    /// from DuckDB itself.
    public static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `text` as a single-quoted SQL string literal.
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
