import Foundation
import Hummingbird

extension Request {
    /// Like `decodeJSON`, but an empty body gives `nil` (for endpoints whose body is optional).
    func decodeOptionalJSON<T: Decodable>(_ type: T.Type, limit: Int = 1 << 20) async throws -> T? {
        var request = self
        let buffer = try await request.collectBody(upTo: limit)
        guard buffer.readableBytes > 0 else { return nil }
        return try await request.decodeJSON(type, limit: limit)
    }

    /// Decodes a JSON body of at most `limit` bytes; malformed or missing fields answer 422 with a message
    /// naming the problem (the reference answered 422 for validation errors too).
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 1 << 20) async throws -> T {
        let buffer = try await body.collect(upTo: limit)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.unprocessableContent, "field \"\(key.stringValue)\" is required")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError(.unprocessableContent, "field \"\(field)\" has the wrong type")
        } catch {
            throw APIError(.unprocessableContent, "the request body must be a JSON object")
        }
    }
}
