/// A JSON object written with its keys sorted (a `Dictionary` is written in no fixed order).
public struct SortedObject<Value: Encodable & Sendable>: Encodable, Sendable {
    /// The members.
    public var members: [String: Value]

    /// An object of `members`.
    public init(_ members: [String: Value]) {
        self.members = members
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JSONValue.Key.self)
        for (key, value) in members.sorted(by: { $0.key < $1.key }) { try container.encode(value, forKey: JSONValue.Key(key)) }
    }
}
