import Foundation

/// Values encode as the JSON a client expects: numbers as numbers (DECIMAL and 128-bit integers exactly, via
/// `Foundation.Decimal`), temporal values as ISO 8601 strings, BLOB as base64, UUID in lower case, LIST as an
/// array, STRUCT as an object, MAP as an object when its keys are strings and as `[{"key","value"}]` otherwise.
extension Value: Encodable {
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .boolean(let v): try container.encode(v)
        case .tinyint(let v): try container.encode(v)
        case .smallint(let v): try container.encode(v)
        case .integer(let v): try container.encode(v)
        case .bigint(let v): try container.encode(v)
        case .utinyint(let v): try container.encode(v)
        case .usmallint(let v): try container.encode(v)
        case .uinteger(let v): try container.encode(v)
        case .ubigint(let v): try container.encode(v)
        case .hugeint(let v): try Value.encodeExact(String(v), into: &container)
        case .uhugeint(let v): try Value.encodeExact(String(v), into: &container)
        case .decimal(let v): try Value.encodeExact(v.description, into: &container)
        case .float(let v): try Value.encodeFloating(Double(v), into: &container)
        case .double(let v): try Value.encodeFloating(v, into: &container)
        case .varchar(let v), .enumeration(let v), .bit(let v): try container.encode(v)
        case .blob(let v): try container.encode(Data(v).base64EncodedString())
        case .date(let v): try container.encode(v.description)
        case .time(let v): try container.encode(v.description)
        case .timeWithTimeZone(let v): try container.encode(v.description)
        case .timestamp(let v): try container.encode(v.description)
        case .interval(let v): try container.encode(v.description)
        case .uuid(let v): try container.encode(v.uuidString.lowercased())
        case .list(let v): try container.encode(v)
        case .structure(let fields):
            try container.encode(OrderedObject(pairs: fields.map { ($0.name, $0.value) }))
        case .map(let entries):
            var pairs: [(String, Value)] = []
            for entry in entries {
                guard case .varchar(let key) = entry.key else {
                    try container.encode(entries.map { OrderedObject(pairs: [("key", $0.key), ("value", $0.value)]) })
                    return
                }
                pairs.append((key, entry.value))
            }
            try container.encode(OrderedObject(pairs: pairs))
        case .unsupported(let typeName): try container.encode("<\(typeName)>")
        }
    }

    /// Exact numbers beyond Double's precision: Foundation's Decimal keeps 38 digits; longer ones go as text.
    private static func encodeExact(_ text: String, into container: inout SingleValueEncodingContainer) throws {
        if text.filter(\.isNumber).count <= 38, let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) {
            try container.encode(decimal)
        } else {
            try container.encode(text)
        }
    }

    /// JSON has no NaN or infinity: those become strings.
    private static func encodeFloating(_ value: Double, into container: inout SingleValueEncodingContainer) throws {
        if value.isFinite {
            try container.encode(value)
        } else {
            try container.encode(value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"))
        }
    }
}

/// A JSON object that keeps its keys in the given order (STRUCT members, string-keyed MAPs).
private struct OrderedObject: Encodable {
    let pairs: [(String, Value)]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in pairs {
            try container.encode(value, forKey: Key(stringValue: key))
        }
    }
}
