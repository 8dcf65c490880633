/// The JSON that DuckDB's `json_serialize_sql` returns, decoded without losing any part of it.
///
/// The sandbox walks every object of this tree, so it is decoded into a plain recursive value rather than
/// into typed structs that would silently drop fields they do not know.
enum ParseTree: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ParseTree])
    case object([String: ParseTree])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ParseTree].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ParseTree].self))
        }
    }

    /// The member `key` of an object; `nil` for other values and missing members.
    subscript(key: String) -> ParseTree? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The text of a string; `nil` otherwise.
    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements of an array; `nil` otherwise.
    var elements: [ParseTree]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is JSON `null` (DuckDB writes absent optional children as `null`).
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
