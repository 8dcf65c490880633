import AnalystAPI
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
        let data = Data(buffer: try await body.collect(upTo: limit))
        do {
            return try JSONDecoder.wire().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.unprocessableContent, "field \"\(key.stringValue)\" is required")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw APIError(.unprocessableContent, "field \"\(Request.fieldName(context.codingPath))\" has the wrong type")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw APIError(.unprocessableContent, Request.invalidValueMessage(at: context.codingPath, in: data))
        } catch {
            throw APIError(.unprocessableContent, "the request body must be a JSON object")
        }
    }

    /// The values the contract's closed sets accept, by field name, for the message of a value outside them.
    static let acceptedValues: [String: [String]] = [
        "role": Schemas.Role.allCases.map(\.rawValue),
        "access": Schemas.PermissionAccess.allCases.map(\.rawValue),
        "sync_strategy": Schemas.SyncStrategy.allCases.map(\.rawValue),
        "query_mode": Schemas.QueryMode.allCases.map(\.rawValue),
    ]

    /// `sync_strategy "sometimes" is not valid (accepted: full_refresh, incremental, partitioned)`.
    static func invalidValueMessage(at path: [any CodingKey], in body: Data) -> String {
        let field = fieldName(path)
        var value: Any? = try? JSONSerialization.jsonObject(with: body)
        for key in path {
            if let index = key.intValue {
                value = (value as? [Any]).flatMap { $0.indices.contains(index) ? $0[index] : nil }
            } else {
                value = (value as? [String: Any])?[key.stringValue]
            }
        }
        let shown = (value as? String).map { "\"\($0)\"" } ?? "the value"
        let accepted = path.last.flatMap { acceptedValues[$0.stringValue] }.map { " (accepted: \($0.joined(separator: ", ")))" }
        return "\(field) \(shown) is not valid\(accepted ?? "")"
    }

    static func fieldName(_ path: [any CodingKey]) -> String {
        path.map(\.stringValue).joined(separator: ".")
    }
}
