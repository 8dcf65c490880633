import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A language-model API on 127.0.0.1 that speaks both wire protocols the LLM connector uses:
///
/// - Anthropic's Messages API: `POST /v1/messages` behind `x-api-key` (and `anthropic-version`), answering
///   `{"type":"message","content":[{"type":"text","text":…}],"stop_reason":…}`, errors as
///   `{"type":"error","error":{"type","message"}}`. Its base URL is `url`.
/// - OpenAI's Chat Completions API: `POST /v1/chat/completions` (and `/chat/completions`) behind
///   `Authorization: Bearer`, answering `{"object":"chat.completion","choices":[{"message":{"content","refusal"},
///   "finish_reason"}]}`, errors as `{"error":{"message","type","param","code"}}`. Its base URL is `openAIBaseURL`.
///
/// A wrong or missing key answers 401. Otherwise the fake answers from a queue of scripted `Reply` values
/// (`enqueue`), then from the responder closure, which can answer by the prompt or the schema. `rejectResponseFormats`
/// makes the OpenAI side refuse `response_format` types with a 400, as a server without them does. Every request is
/// recorded (`requests`) with its path, headers, body, model, prompt and schema.
public final class FakeLLM: Sendable {
    /// Which API a request came through.
    public enum WireProtocol: String, Sendable {
        case anthropic
        case openAI = "openai"
    }

    /// A request as received.
    public struct Request: Sendable {
        public var wireProtocol: WireProtocol
        public var path: String
        /// Header names are lower-cased.
        public var headers: [String: String]
        public var body: Data
        public var model: String?
        public var maxTokens: Int?
        /// The text of the (last) user message.
        public var prompt: String
        /// Anthropic: `output_config.format.type`; OpenAI: `response_format.type`; `nil` when absent.
        public var responseFormat: String?
        /// OpenAI's `response_format.json_schema.name` (Anthropic's wire format has no name).
        public var schemaName: String?
        /// The JSON Schema sent (`output_config.format.schema` or `response_format.json_schema.schema`), as JSON with
        /// sorted keys.
        public var schema: String?
        /// Whether the key matched.
        public var isAuthorized: Bool

        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }
    }

    /// How the fake answers one request.
    public indirect enum Reply: Sendable {
        /// The model's text, normally a JSON object.
        case json(String)
        /// The model's text when it is not JSON (prose, markdown fences…).
        case malformed(String)
        /// A refusal: Anthropic `stop_reason: refusal` with no content; OpenAI `message.refusal`.
        case refusal(String = "I can't help with that request.")
        /// Cut off at the token limit: Anthropic `stop_reason: max_tokens`; OpenAI `finish_reason: length`.
        case truncated
        /// A message without content (`end_turn` / `stop`).
        case empty
        /// 429 with a `retry-after` header in seconds when given.
        case rateLimited(retryAfter: Int? = nil)
        /// Anthropic's 529 `overloaded_error`.
        case overloaded
        /// A 400 refusing the structured-output parameter, in the protocol's words.
        case unsupportedResponseFormat
        /// Any status with this body, as is.
        case status(Int, String)
        /// Waits, then answers (for timeouts).
        case delayed(Duration, Reply)
    }

    final class State: Sendable {
        let store: Mutex<Store>
        init(apiKey: String, responder: @escaping @Sendable (Request) -> Reply) {
            store = Mutex(Store(apiKey: apiKey, responder: responder))
        }
    }

    struct Store {
        var apiKey: String
        var responder: @Sendable (Request) -> Reply
        var queue: [Reply] = []
        var requests: [Request] = []
        var rejectedFormats: Set<String> = []
        var served = 0
    }

    public let port: Int
    public let apiKey: String
    /// Anthropic's base URL (the fake's root).
    public var url: String { "http://127.0.0.1:\(port)" }
    /// The OpenAI-compatible base URL, with `/v1` as the OpenAI SDK takes it.
    public var openAIBaseURL: String { url + "/v1" }

    let state: State
    private let task: Task<Void, any Error>

    /// The responder used when nothing is queued and none is given: a 500 naming the request, so a test that forgot
    /// to script a reply fails instead of passing on an empty object.
    public static let unscripted: @Sendable (Request) -> Reply = { request in
        .status(500, #"{"error":{"message":"FakeLLM has no scripted reply for \#(request.path)","type":"server_error"}}"#)
    }

    /// Starts the fake on a free port; `apiKey` is the only key it accepts.
    public static func start(
        apiKey: String = "sk-fake-\(UUID().uuidString)", responder: @escaping @Sendable (Request) -> Reply = FakeLLM.unscripted
    ) async throws -> FakeLLM {
        let state = State(apiKey: apiKey, responder: responder)
        let router = Router()
        for path in ["v1/messages", "v1/chat/completions", "chat/completions"] {
            router.post(RouterPath(path)) { request, _ in try await FakeLLM.handle(request, state: state) }
        }
        let (port, task) = try await LocalHTTPServer.start(router, label: "fake-llm")
        return FakeLLM(port: port, apiKey: apiKey, state: state, task: task)
    }

    private init(port: Int, apiKey: String, state: State, task: Task<Void, any Error>) {
        self.port = port
        self.apiKey = apiKey
        self.state = state
        self.task = task
    }

    /// Queues replies, answered in order before the responder is asked.
    public func enqueue(_ replies: Reply...) {
        state.store.withLock { $0.queue += replies }
    }

    /// Replaces the responder.
    public func respond(with responder: @escaping @Sendable (Request) -> Reply) {
        state.store.withLock { $0.responder = responder }
    }

    /// Makes the OpenAI side answer 400 to these `response_format` types (e.g. `json_schema`) without using a reply.
    public func rejectResponseFormats(_ types: Set<String>) {
        state.store.withLock { $0.rejectedFormats = types }
    }

    /// Every request received so far, authorised or not.
    public var requests: [Request] { state.store.withLock { $0.requests } }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }

    // MARK: - Wire protocol

    private static func handle(_ request: Hummingbird.Request, state: State) async throws -> Response {
        let wire: WireProtocol = request.uri.path.hasSuffix("/messages") ? .anthropic : .openAI
        let body = Data(try await request.body.collect(upTo: 16 << 20).readableBytesView)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        var received = describe(wire, path: request.uri.path, headers: headers, body: body)
        let (reply, serial): (Reply?, Int) = state.store.withLock { store in
            received.isAuthorized =
                switch wire {
                case .anthropic: headers["x-api-key"] == store.apiKey
                case .openAI: headers["authorization"] == "Bearer \(store.apiKey)"
                }
            store.requests.append(received)
            store.served += 1
            guard received.isAuthorized else { return (nil, store.served) }
            if wire == .openAI, let format = received.responseFormat, store.rejectedFormats.contains(format) {
                return (.unsupportedResponseFormat, store.served)
            }
            if !store.queue.isEmpty { return (store.queue.removeFirst(), store.served) }
            return (store.responder(received), store.served)
        }
        guard let reply else {
            return try error(wire, status: 401, type: "authentication_error", message: "invalid x-api-key or bearer token")
        }
        return try await render(reply, wire: wire, request: received, serial: serial)
    }

    private static func describe(_ wire: WireProtocol, path: String, headers: [String: String], body: Data) -> Request {
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        let messages = object["messages"] as? [[String: Any]] ?? []
        let content = messages.last(where: { $0["role"] as? String == "user" })?["content"]
        let prompt =
            content as? String
            ?? (content as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined(separator: "\n") ?? ""
        var format: [String: Any]?
        var schema: Any?
        var schemaName: String?
        switch wire {
        case .anthropic:
            format = (object["output_config"] as? [String: Any])?["format"] as? [String: Any]
            schema = format?["schema"]
        case .openAI:
            format = object["response_format"] as? [String: Any]
            let jsonSchema = format?["json_schema"] as? [String: Any]
            schema = jsonSchema?["schema"]
            schemaName = jsonSchema?["name"] as? String
        }
        let schemaText = schema.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
            .map { String(decoding: $0, as: UTF8.self) }
        return Request(
            wireProtocol: wire, path: path, headers: headers, body: body, model: object["model"] as? String,
            maxTokens: object["max_tokens"] as? Int, prompt: prompt, responseFormat: format?["type"] as? String,
            schemaName: schemaName, schema: schemaText, isAuthorized: false)
    }

    private static func render(_ reply: Reply, wire: WireProtocol, request: Request, serial: Int) async throws -> Response {
        switch reply {
        case .delayed(let delay, let next):
            try await Task.sleep(for: delay)
            return try await render(next, wire: wire, request: request, serial: serial)
        case .json(let text), .malformed(let text):
            return try message(wire, request: request, serial: serial, text: text, stop: .finished)
        case .refusal(let text):
            return try message(wire, request: request, serial: serial, text: nil, stop: .refused(text))
        case .truncated:
            return try message(wire, request: request, serial: serial, text: #"{"items": [{"name": "partial"#, stop: .truncated)
        case .empty:
            return try message(wire, request: request, serial: serial, text: nil, stop: .finished)
        case .rateLimited(let retryAfter):
            var response = try error(wire, status: 429, type: "rate_limit_error", message: "Rate limit exceeded; slow down")
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        case .overloaded:
            return try error(wire, status: 529, type: "overloaded_error", message: "Overloaded")
        case .unsupportedResponseFormat:
            switch wire {
            case .anthropic:
                return try error(
                    wire, status: 400, type: "invalid_request_error",
                    message: "output_config.format: structured outputs are not supported for this model")
            case .openAI:
                let format = request.responseFormat ?? "json_schema"
                return try error(
                    wire, status: 400, type: "invalid_request_error",
                    message: "Invalid parameter: 'response_format' of type '\(format)' is not supported with this model.",
                    parameter: "response_format")
            }
        case .status(let status, let body):
            return Response(
                status: .init(code: status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: Data(body.utf8))))
        }
    }

    private enum Stop {
        case finished, truncated
        case refused(String)
    }

    private static func message(_ wire: WireProtocol, request: Request, serial: Int, text: String?, stop: Stop) throws -> Response {
        let model = request.model ?? "unknown"
        let usage = (input: max(1, request.prompt.utf8.count / 4), output: max(1, (text ?? "").utf8.count / 4))
        switch wire {
        case .anthropic:
            let stopReason =
                switch stop {
                case .finished: "end_turn"
                case .truncated: "max_tokens"
                case .refused: "refusal"
                }
            let content: [[String: Any]] = text.map { [["type": "text", "text": $0]] } ?? []
            return try json(
                [
                    "id": "msg_fake_\(serial)", "type": "message", "role": "assistant", "model": model, "content": content,
                    "stop_reason": stopReason, "stop_sequence": NSNull(),
                    "usage": ["input_tokens": usage.input, "output_tokens": usage.output],
                ], status: .ok)
        case .openAI:
            var message: [String: Any] = ["role": "assistant", "content": text.map { $0 as Any } ?? NSNull(), "refusal": NSNull()]
            let finishReason: String
            switch stop {
            case .finished: finishReason = "stop"
            case .truncated: finishReason = "length"
            case .refused(let refusal):
                message["refusal"] = refusal
                finishReason = "stop"
            }
            return try json(
                [
                    "id": "chatcmpl-fake-\(serial)", "object": "chat.completion", "created": Int(Date().timeIntervalSince1970),
                    "model": model, "choices": [["index": 0, "message": message, "finish_reason": finishReason, "logprobs": NSNull()]],
                    "usage": [
                        "prompt_tokens": usage.input, "completion_tokens": usage.output, "total_tokens": usage.input + usage.output,
                    ],
                ], status: .ok)
        }
    }

    private static func error(
        _ wire: WireProtocol, status: Int, type: String, message: String, parameter: String? = nil
    ) throws -> Response {
        switch wire {
        case .anthropic:
            return try json(["type": "error", "error": ["type": type, "message": message]], status: .init(code: status))
        case .openAI:
            return try json(
                ["error": ["message": message, "type": type, "param": parameter.map { $0 as Any } ?? NSNull(), "code": NSNull()]],
                status: .init(code: status)
            )
        }
    }

    private static func json(_ value: Any, status: HTTPResponse.Status) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
