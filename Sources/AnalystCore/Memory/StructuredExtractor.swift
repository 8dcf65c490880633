import Foundation

/// A language model used for structured extraction only (not chat): one prompt in, one JSON object of a given
/// schema out (reference §5.4 `StructuredExtractor.extract_json`).
///
/// Implementations retry rate limits and timeouts themselves and are safe to call from many tasks at once. The prompt
/// is sent as the user's message: callers that put user-written text into it must fence it as data.
public protocol StructuredExtractor: Sendable {
    /// The UTF-8 bytes of one JSON object the model answered, following `schema` as far as the provider enforces it.
    func extractJSON(prompt: String, maxTokens: Int, schema: LLMSchema) async throws(LLMError) -> Data
}

extension StructuredExtractor {
    /// `extractJSON` decoded as `T`; an answer that does not decode is `.format`.
    public func extract<T: Decodable & Sendable>(
        _ type: T.Type, prompt: String, maxTokens: Int, schema: LLMSchema
    ) async throws(LLMError) -> T {
        let json = try await extractJSON(prompt: prompt, maxTokens: maxTokens, schema: schema)
        do {
            return try JSONDecoder().decode(T.self, from: json)
        } catch let error as DecodingError {
            throw .format("the answer to \"\(schema.name)\" does not match \(T.self): \(Self.explain(error))")
        } catch {
            throw .format("the answer to \"\(schema.name)\" does not decode as \(T.self)")
        }
    }

    /// Where decoding failed and why, without the values (they may echo the prompt's data).
    private static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the top level" : path
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(key.stringValue) is missing at \(path(context))"
        case .valueNotFound(_, let context):
            return "a value is null at \(path(context))"
        case .typeMismatch(let type, let context):
            return "\(path(context)) is not \(type)"
        case .dataCorrupted(let context):
            return "\(path(context)) is invalid"
        @unknown default:
            return "it does not decode"
        }
    }
}
