import Foundation
import JSONWriting

/// Encodes API answers as JSON the way the contract promises: a declared field is always present, `null` when it
/// has no value.
///
/// Foundation's `JSONEncoder` leaves out every optional that is `nil` (synthesised and generated `Codable` code calls
/// `encodeIfPresent`); this encoder writes `null` instead. Keys keep the order of the type's `CodingKeys`, dates are
/// ISO 8601 in UTC with milliseconds (`2026-11-22T00:47:38.196Z`), `Data` is base64, and a non-finite number is
/// refused (JSON cannot carry it). Safe to use from any thread: every call builds its own tree.
public struct WireJSONEncoder: Sendable {
    public init() {}

    /// The JSON text of `value`.
    public func encode(_ value: some Encodable) throws -> Data {
        Data(try encodeToString(value).utf8)
    }

    /// The JSON text of `value`, as a string.
    public func encodeToString(_ value: some Encodable) throws -> String {
        let root = WireNode()
        try WireEncoder(node: root, codingPath: []).encodeValue(value)
        var text = ""
        root.write(to: &text)
        return text
    }

    /// How dates appear on the wire: ISO 8601 in UTC with milliseconds, e.g. `2026-11-22T00:47:38.196Z`.
    ///
    /// The time is taken to its nearest millisecond first: the formatter truncates, and a time decoded from the
    /// wire can sit a hair below its millisecond, which would show it 1 ms early.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1_000).rounded()
        let nearest = Date(timeIntervalSince1970: (milliseconds + 0.5) / 1_000)
        return nearest.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// One JSON value being built. Containers are reference types because Swift's encoding API hands out a container
/// first and fills it afterwards.
final class WireNode {
    enum Kind {
        case empty
        case literal(String)
        case array([WireNode])
        case object([(key: String, value: WireNode)])
    }

    var kind: Kind = .empty

    func append(_ node: WireNode) {
        if case .array(var items) = kind {
            kind = .empty
            items.append(node)
            kind = .array(items)
        }
    }

    func set(_ node: WireNode, for key: String) {
        guard case .object(var members) = kind else { return }
        kind = .empty
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = node
        } else {
            members.append((key, node))
        }
        kind = .object(members)
    }

    func write(to text: inout String) {
        switch kind {
        case .empty: text += "{}"
        case .literal(let literal): text += literal
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.write(to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { text += "," }
                text += JSONText.quote(member.key)
                text += ":"
                member.value.write(to: &text)
            }
            text += "}"
        }
    }
}

/// The `Encoder` that fills one `WireNode`.
struct WireEncoder: Encoder {
    let node: WireNode
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.kind {} else { node.kind = .object([]) }
        return KeyedEncodingContainer(WireKeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.kind {} else { node.kind = .array([]) }
        return WireUnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        WireSingleValueContainer(node: node, codingPath: codingPath)
    }

    /// Encodes `value` into `node`, with the wire forms of the Foundation types that have one.
    func encodeValue(_ value: some Encodable) throws {
        switch value {
        case let date as Date: node.kind = .literal(JSONText.quote(WireJSONEncoder.timestamp(date)))
        case let data as Data: node.kind = .literal(JSONText.quote(data.base64EncodedString()))
        case let url as URL: node.kind = .literal(JSONText.quote(url.absoluteString))
        case let decimal as Decimal: node.kind = .literal(decimal.description)
        default: try value.encode(to: self)
        }
    }

    static func number(_ value: Double, codingPath: [any CodingKey]) throws -> String {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: codingPath, debugDescription: "JSON cannot carry \(value)"))
        }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

struct WireKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: WireNode
    var codingPath: [any CodingKey]

    private func child(_ key: Key) -> WireNode {
        child(named: key.stringValue)
    }

    private func child(named name: String) -> WireNode {
        let child = WireNode()
        node.set(child, for: name)
        return child
    }

    private func literal(_ text: String, _ key: Key) {
        child(key).kind = .literal(text)
    }

    mutating func encodeNil(forKey key: Key) throws { literal("null", key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { literal(value ? "true" : "false", key) }
    mutating func encode(_ value: String, forKey key: Key) throws { literal(JSONText.quote(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        literal(try WireEncoder.number(value, codingPath: codingPath + [key]), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        literal(try WireEncoder.number(Double(value), codingPath: codingPath + [key]), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        try WireEncoder(node: child(key), codingPath: codingPath + [key]).encodeValue(value)
    }

    // The point of this encoder: an absent optional is written as `null`, not left out.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        WireEncoder(node: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        WireEncoder(node: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        WireEncoder(node: child(named: "super"), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        WireEncoder(node: child(key), codingPath: codingPath + [key])
    }
}

struct WireUnkeyedContainer: UnkeyedEncodingContainer {
    let node: WireNode
    var codingPath: [any CodingKey]
    var count: Int {
        if case .array(let items) = node.kind { return items.count }
        return 0
    }

    private func child() -> WireNode {
        let child = WireNode()
        node.append(child)
        return child
    }

    private func literal(_ text: String) {
        child().kind = .literal(text)
    }

    mutating func encodeNil() throws { literal("null") }
    mutating func encode(_ value: Bool) throws { literal(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { literal(JSONText.quote(value)) }
    mutating func encode(_ value: Double) throws { literal(try WireEncoder.number(value, codingPath: codingPath)) }
    mutating func encode(_ value: Float) throws { literal(try WireEncoder.number(Double(value), codingPath: codingPath)) }
    mutating func encode(_ value: Int) throws { literal(String(value)) }
    mutating func encode(_ value: Int8) throws { literal(String(value)) }
    mutating func encode(_ value: Int16) throws { literal(String(value)) }
    mutating func encode(_ value: Int32) throws { literal(String(value)) }
    mutating func encode(_ value: Int64) throws { literal(String(value)) }
    mutating func encode(_ value: UInt) throws { literal(String(value)) }
    mutating func encode(_ value: UInt8) throws { literal(String(value)) }
    mutating func encode(_ value: UInt16) throws { literal(String(value)) }
    mutating func encode(_ value: UInt32) throws { literal(String(value)) }
    mutating func encode(_ value: UInt64) throws { literal(String(value)) }
    mutating func encode(_ value: some Encodable) throws {
        try WireEncoder(node: child(), codingPath: codingPath).encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        WireEncoder(node: child(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        WireEncoder(node: child(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        WireEncoder(node: child(), codingPath: codingPath)
    }
}

struct WireSingleValueContainer: SingleValueEncodingContainer {
    let node: WireNode
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.kind = .literal("null") }
    mutating func encode(_ value: Bool) throws { node.kind = .literal(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { node.kind = .literal(JSONText.quote(value)) }
    mutating func encode(_ value: Double) throws { node.kind = .literal(try WireEncoder.number(value, codingPath: codingPath)) }
    mutating func encode(_ value: Float) throws {
        node.kind = .literal(try WireEncoder.number(Double(value), codingPath: codingPath))
    }
    mutating func encode(_ value: Int) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: Int8) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: Int16) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: Int32) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: Int64) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: UInt) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: UInt8) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: UInt16) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: UInt32) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: UInt64) throws { node.kind = .literal(String(value)) }
    mutating func encode(_ value: some Encodable) throws {
        try WireEncoder(node: node, codingPath: codingPath).encodeValue(value)
    }
}
