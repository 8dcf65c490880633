extension KeyedEncodingContainer {
    /// Encodes `value`, or `null` when there is none, whatever the encoder does with absent optionals.
    mutating func encodeOrNull<Value: Encodable>(_ value: Value?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
