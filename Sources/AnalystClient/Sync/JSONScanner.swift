import Foundation

/// A forward-only reader of JSON text, for the large documents `da` reads where Foundation's decoders cost more than
/// the rest of the work (the sync manifest: 2 MB at 10,000 tables took 40–100 ms through `JSONDecoder`, ~3 ms here).
/// Strict: anything that is not JSON, or not the type asked for, throws `JSONScanner.Malformed` with its offset.
struct JSONScanner {
    /// Why the text could not be read, and where.
    struct Malformed: Error, CustomStringConvertible {
        var offset: Int
        var expected: String
        var description: String { "malformed JSON at byte \(offset): expected \(expected)" }
    }

    /// Deeper nesting than this is refused (a hostile server cannot exhaust the stack).
    static let maximumDepth = 256

    private let bytes: [UInt8]
    private var position = 0

    init(_ data: Data) {
        bytes = [UInt8](data)
    }

    /// Reads an object, calling `member` with each key while the scanner stands at its value; `member` must read or
    /// skip that value.
    mutating func object(_ member: (inout JSONScanner, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if try consume(UInt8(ascii: "}")) { return }
        repeat {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
        } while try consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
    }

    /// Reads a string.
    mutating func string() throws -> String {
        let (start, escaped) = try scanString()
        defer { position += 1 }
        guard escaped else { return String(decoding: bytes[start..<position], as: UTF8.self) }
        // Escapes are rare here (ids and hashes are plain): Foundation decodes them.
        do {
            return try JSONDecoder().decode(String.self, from: Data(bytes[(start - 1)...position]))
        } catch {
            throw Malformed(offset: start, expected: "a string with valid escapes")
        }
    }

    /// Moves past a string without making it (a skipped value's strings are most of what the manifest holds).
    private mutating func skipString() throws {
        let (start, escaped) = try scanString()
        position += 1
        // Escapes are checked as `string()` would: decoded, and the result dropped.
        if escaped {
            guard (try? JSONDecoder().decode(String.self, from: Data(bytes[(start - 1)..<position]))) != nil else {
                throw Malformed(offset: start, expected: "a string with valid escapes")
            }
        }
    }

    /// Finds the end of the string that starts here: returns where its text starts and whether it has escapes,
    /// leaving `position` at the closing quote.
    private mutating func scanString() throws -> (start: Int, escaped: Bool) {
        try expect(UInt8(ascii: "\""))
        let start = position
        var escaped = false
        while true {
            guard position < bytes.count else { throw malformed("the end of a string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { break }
            guard byte >= 0x20 else { throw malformed("no control characters inside a string") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                position += 1
            }
            position += 1
        }
        return (start, escaped)
    }

    /// Reads a string, or `null` as `nil`.
    mutating func optionalString() throws -> String? {
        try consumeNull() ? nil : string()
    }

    /// Reads an integer (no fraction, no exponent) that fits in 64 bits.
    mutating func integer() throws -> Int64 {
        skipWhitespace()
        let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        let start = position
        var value: Int64 = 0
        while position < bytes.count, let digit = Self.digit(bytes[position]) {
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = product.addingReportingOverflow(negative ? -digit : digit)
            guard !overflow, !carry else { throw Malformed(offset: start, expected: "an integer that fits in 64 bits") }
            value = sum
            position += 1
        }
        guard position > start else { throw malformed("an integer") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") || bytes[position] | 0x20 == UInt8(ascii: "e") {
            throw malformed("an integer without a fraction or exponent")
        }
        return value
    }

    /// Consumes `null` if it is next; whether it was.
    mutating func consumeNull() throws -> Bool {
        skipWhitespace()
        guard bytes[position...].starts(with: Self.null) else { return false }
        position += Self.null.count
        return true
    }

    /// Skips one value of any type, checking that it is well formed.
    mutating func skipValue() throws {
        try skipValue(depth: 0)
    }

    /// Skips one value and returns its text (for a small part handed to `JSONDecoder`).
    mutating func rawValue() throws -> Data {
        skipWhitespace()
        let start = position
        try skipValue()
        return Data(bytes[start..<position])
    }

    /// Checks that nothing but whitespace follows.
    mutating func end() throws {
        skipWhitespace()
        guard position == bytes.count else { throw malformed("the end of the document") }
    }

    private mutating func skipValue(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw malformed("at most \(Self.maximumDepth) levels of nesting") }
        skipWhitespace()
        guard position < bytes.count else { throw malformed("a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            if try consume(UInt8(ascii: "}")) { return }
            repeat {
                try skipString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            } while try consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            position += 1
            if try consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while try consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            guard let literal = [Self.true, Self.false, Self.null].first(where: { bytes[position...].starts(with: $0) }) else {
                throw malformed("true, false or null")
            }
            position += literal.count
        default:
            try skipNumber()
        }
    }

    /// A number as JSON writes it: `-? int frac? exp?`.
    private mutating func skipNumber() throws {
        let start = position
        if position < bytes.count && bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard skipDigits() else { throw Malformed(offset: start, expected: "a value") }
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() else { throw malformed("digits after the decimal point") }
        }
        if position < bytes.count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) { position += 1 }
            guard skipDigits() else { throw malformed("digits in the exponent") }
        }
    }

    /// Skips a run of digits; whether there was one.
    private mutating func skipDigits() -> Bool {
        let start = position
        while position < bytes.count && Self.digit(bytes[position]) != nil { position += 1 }
        return position > start
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard try consume(byte) else { throw malformed("'\(Character(Unicode.Scalar(byte)))'") }
    }

    /// Consumes `byte` (after whitespace) if it is next; whether it was.
    private mutating func consume(_ byte: UInt8) throws -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private func malformed(_ expected: String) -> Malformed {
        Malformed(offset: position, expected: expected)
    }

    private static func digit(_ byte: UInt8) -> Int64? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int64(byte - UInt8(ascii: "0")) : nil
    }

    private static let null = Array("null".utf8)
    private static let `true` = Array("true".utf8)
    private static let `false` = Array("false".utf8)
}
