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

extension ParseTree {
    /// Parses JSON text (DuckDB's `json_serialize_sql` output) into a tree, refusing nesting deeper than
    /// `maximumDepth`. A direct byte parser: Foundation's decoder took most of a small query's sandbox time.
    static func parse(_ text: String, maximumDepth: Int = ParseTreeWalker.maximumDepth) throws(ParseTreeError) -> ParseTree {
        var parser = JSONBytes(bytes: Array(text.utf8), maximumDepth: maximumDepth)
        let tree = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else { throw .malformed }
        return tree
    }
}

/// Why JSON text could not become a `ParseTree`.
enum ParseTreeError: Error, Equatable {
    case malformed
    case tooDeep
}

/// A recursive-descent JSON reader over UTF-8 bytes (RFC 8259; strings with every escape, surrogate pairs included).
private struct JSONBytes {
    let bytes: [UInt8]
    let maximumDepth: Int
    var position = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    mutating func value(depth: Int) throws(ParseTreeError) -> ParseTree {
        guard depth <= maximumDepth else { throw .tooDeep }
        skipWhitespace()
        guard position < bytes.count else { throw .malformed }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [String: ParseTree] = [:]
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                skipWhitespace()
                let key = try string()
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { throw .malformed }
                members[key] = try value(depth: depth + 1)
                skipWhitespace()
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { throw .malformed }
            return .object(members)
        case UInt8(ascii: "["):
            position += 1
            var elements: [ParseTree] = []
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "]")) else { throw .malformed }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            return try literal("true", .bool(true))
        case UInt8(ascii: "f"):
            return try literal("false", .bool(false))
        case UInt8(ascii: "n"):
            return try literal("null", .null)
        default:
            return .number(try number())
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func literal(_ word: String, _ result: ParseTree) throws(ParseTreeError) -> ParseTree {
        let expected = Array(word.utf8)
        guard bytes.count - position >= expected.count, bytes[position..<position + expected.count].elementsEqual(expected) else {
            throw .malformed
        }
        position += expected.count
        return result
    }

    private mutating func number() throws(ParseTreeError) -> Double {
        let start = position
        while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
        guard position > start, let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else {
            throw .malformed
        }
        return value
    }

    private mutating func string() throws(ParseTreeError) -> String {
        guard consume(UInt8(ascii: "\"")) else { throw .malformed }
        var utf8: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw .malformed }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by `\u` and a low one.
                        guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")) else { throw .malformed }
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw .malformed }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw .malformed }
                    utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw .malformed
                }
            default:
                guard byte >= 0x20 else { throw .malformed }
                utf8.append(byte)
            }
        }
        throw .malformed
    }

    private mutating func hex4() throws(ParseTreeError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw .malformed }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            position += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .malformed
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
