import AnalystCore
import Foundation

/// Anthropic's Messages API (`POST {base}/v1/messages`, `anthropic-version: 2023-06-01`) asked for JSON-schema output
/// through `output_config.format` (reference §5.4 `AnthropicExtractor`).
///
/// `stop_reason: max_tokens` is a truncated answer (`.format`); `stop_reason: refusal` or no text is `.refusal`.
struct AnthropicExtractor: StructuredExtractor {
    static let apiVersion = "2023-06-01"

    let transport: LLMTransport

    func extractJSON(prompt: String, maxTokens: Int, schema: LLMSchema) async throws(LLMError) -> Data {
        guard maxTokens > 0 else { throw .other("max_tokens must be positive, got \(maxTokens)") }
        let request: [String: Any] = [
            "model": transport.settings.model,
            "max_tokens": maxTokens,
            "messages": [["role": "user", "content": prompt]],
            "output_config": ["format": ["type": "json_schema", "schema": try schema.object()]],
        ]
        guard let body = try? JSONSerialization.data(withJSONObject: request) else {
            throw .other("the request for \"\(schema.name)\" could not be encoded as JSON")
        }
        let answer = try await transport.post(
            "v1/messages",
            headers: [("x-api-key", transport.settings.apiKey), ("anthropic-version", AnthropicExtractor.apiVersion)],
            body: body, schema: schema, mode: "json_schema", unsupportedMarkers: ["output_config", "output_format", "json_schema"])
        return try AnthropicExtractor.json(inMessage: answer, maxTokens: maxTokens)
    }

    /// The JSON object in a Messages API answer: the text of its `text` blocks, which must parse as one object.
    static func json(inMessage body: Data, maxTokens: Int) throws(LLMError) -> Data {
        guard let message = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            let content = message["content"] as? [Any]
        else {
            throw .other("the Anthropic API answered something other than a message")
        }
        let stopReason = message["stop_reason"] as? String
        if stopReason == "max_tokens" {
            throw .format("the answer was truncated at max_tokens (\(maxTokens)); ask for less or raise the limit")
        }
        if stopReason == "refusal" {
            throw .refusal("the model refused the request (stop_reason refusal)")
        }
        let text = content.compactMap { block -> String? in
            guard let block = block as? [String: Any], block["type"] as? String == "text" else { return nil }
            return block["text"] as? String
        }.joined()
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .refusal("the model answered no text (stop_reason \(stopReason ?? "none"))")
        }
        guard let json = JSONObjectText.parse(text, lenient: false) else {
            throw .format("the model's text (\(text.utf8.count) bytes) is not one JSON object")
        }
        return json
    }
}
