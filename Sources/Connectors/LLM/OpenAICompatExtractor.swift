import AnalystCore
import Foundation
import Synchronization

/// An OpenAI-compatible Chat Completions API (`POST {base_url}/chat/completions`, `Authorization: Bearer`), asked for
/// JSON in the strictest mode the server accepts (reference §5.4 `OpenAICompatExtractor`).
///
/// `ai.structured_output` lists the modes tried in order: `strict` = json_schema; `json` adds json_object; `auto`
/// adds plain text parsed leniently. A 400 or 422 whose message mentions `response_format`, `json_schema` or
/// `json_object` moves on to the next mode, and the extractor remembers it: later calls start there. `base_url` is
/// used as given (with its `/v1`, as the OpenAI SDK takes it); nothing is added but `/chat/completions`.
final class OpenAICompatExtractor: StructuredExtractor {
    /// One way of asking for JSON.
    enum Strategy: String, Sendable, CaseIterable {
        case jsonSchema = "json_schema"
        case jsonObject = "json_object"
        case text
    }

    static let textInstruction = "\n\nIMPORTANT: Respond with valid JSON only, no markdown."

    let transport: LLMTransport
    let strategies: [Strategy]
    /// The index in `strategies` to start from: past every mode this server refused.
    private let firstStrategy = Mutex(0)

    init(transport: LLMTransport) {
        self.transport = transport
        self.strategies = OpenAICompatExtractor.strategies(for: transport.settings.structuredOutput)
    }

    static func strategies(for mode: LLMSettings.StructuredOutput) -> [Strategy] {
        switch mode {
        case .strict: [.jsonSchema]
        case .json: [.jsonSchema, .jsonObject]
        case .auto: [.jsonSchema, .jsonObject, .text]
        }
    }

    /// The mode later calls start with.
    var currentStrategy: Strategy {
        strategies[min(firstStrategy.withLock { $0 }, strategies.count - 1)]
    }

    func extractJSON(prompt: String, maxTokens: Int, schema: LLMSchema) async throws(LLMError) -> Data {
        guard maxTokens > 0 else { throw .other("max_tokens must be positive, got \(maxTokens)") }
        let schemaObject = try schema.object()
        var index = min(firstStrategy.withLock { $0 }, strategies.count - 1)
        while true {
            let strategy = strategies[index]
            do throws(LLMError) {
                return try await extract(
                    prompt: prompt, maxTokens: maxTokens, schema: schema, schemaObject: schemaObject, strategy: strategy)
            } catch {
                guard case .unsupported(let message) = error else { throw error }
                guard index + 1 < strategies.count else {
                    let tried = strategies.map(\.rawValue).joined(separator: ", ")
                    throw .unsupported(
                        "\(transport.settings.origin) refused \(tried) (ai.structured_output \(transport.settings.structuredOutput.rawValue)): "
                            + message)
                }
                index += 1
                let next = index
                firstStrategy.withLock { $0 = max($0, next) }
                transport.logger.info(
                    "LLM server refused a structured-output mode; trying the next",
                    metadata: [
                        "llm.url": "\(transport.settings.origin)", "llm.mode": "\(strategy.rawValue)",
                        "llm.next_mode": "\(strategies[index].rawValue)",
                    ])
            }
        }
    }

    private func extract(
        prompt: String, maxTokens: Int, schema: LLMSchema, schemaObject: [String: Any], strategy: Strategy
    ) async throws(LLMError) -> Data {
        var request: [String: Any] = ["model": transport.settings.model, "max_tokens": maxTokens]
        var content = prompt
        switch strategy {
        case .jsonSchema:
            request["response_format"] = [
                "type": "json_schema", "json_schema": ["name": schema.wireName, "strict": true, "schema": schemaObject],
            ]
        case .jsonObject:
            request["response_format"] = ["type": "json_object"]
            content += OpenAICompatExtractor.schemaInstruction(schema)
        case .text:
            content += OpenAICompatExtractor.schemaInstruction(schema) + OpenAICompatExtractor.textInstruction
        }
        request["messages"] = [["role": "user", "content": content]]
        guard let body = try? JSONSerialization.data(withJSONObject: request) else {
            throw .other("the request for \"\(schema.name)\" could not be encoded as JSON")
        }
        let answer = try await transport.post(
            "chat/completions", headers: [("authorization", "Bearer \(transport.settings.apiKey)")], body: body, schema: schema,
            mode: strategy.rawValue, unsupportedMarkers: ["response_format", "json_schema", "json_object"])
        return try OpenAICompatExtractor.json(inCompletion: answer, maxTokens: maxTokens, lenient: strategy == .text)
    }

    /// Without a server-side schema the model learns the shape from the prompt.
    static func schemaInstruction(_ schema: LLMSchema) -> String {
        "\n\nAnswer with one JSON object that follows this JSON Schema:\n" + schema.json
    }

    /// The JSON object in a chat completion: the first choice's message content.
    static func json(inCompletion body: Data, maxTokens: Int, lenient: Bool) throws(LLMError) -> Data {
        guard let completion = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            let choice = (completion["choices"] as? [Any])?.first as? [String: Any]
        else {
            throw .other("the server answered something other than a chat completion")
        }
        let message = choice["message"] as? [String: Any] ?? [:]
        if let refusal = message["refusal"] as? String, !refusal.isEmpty {
            throw .refusal(String(refusal.prefix(300)))
        }
        switch choice["finish_reason"] as? String {
        case "length":
            throw .format("the answer was truncated at max_tokens (\(maxTokens)); ask for less or raise the limit")
        case "content_filter":
            throw .refusal("the server's content filter stopped the answer")
        default:
            break
        }
        let text: String
        if let string = message["content"] as? String {
            text = string
        } else if let parts = message["content"] as? [Any] {
            text = parts.compactMap { ($0 as? [String: Any])?["text"] as? String }.joined()
        } else {
            text = ""
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .refusal("the model answered no content")
        }
        guard let json = JSONObjectText.parse(text, lenient: lenient) else {
            throw .format("the model's text (\(text.utf8.count) bytes) is not one JSON object")
        }
        return json
    }
}
