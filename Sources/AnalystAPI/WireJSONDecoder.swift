import Foundation

extension JSONDecoder {
    /// A decoder for the contract's JSON: times are ISO 8601 in UTC, with or without fractional seconds.
    public static func wire() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\(text) is not an ISO 8601 time such as 2026-11-21T10:00:00.123Z")
        }
        return decoder
    }
}
