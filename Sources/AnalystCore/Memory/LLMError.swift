/// Why a structured extraction failed, in the reference's kinds (§5.4: auth, rate limit, timeout, format,
/// unsupported, refusal). Messages never contain the API key, the prompt or more of the URL than `scheme://host`.
public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider refused the API key (HTTP 401 or 403). Never retried.
    case auth
    /// Too many requests or the provider is overloaded (HTTP 429, 529), after every attempt.
    case rateLimited
    /// The request took longer than `ai.timeout_seconds` or the provider timed out (HTTP 408, 504), after every attempt.
    case timeout
    /// The answer is not one JSON object of the asked shape: cut off at the token limit, unparseable, or not matching.
    case format(String)
    /// The server does not support the structured-output mode asked for.
    case unsupported(String)
    /// The model declined to answer, or answered nothing.
    case refusal(String)
    /// Anything else: a rejected request, an unreachable server, an answer in an unknown shape.
    case other(String)

    /// Whether another attempt may succeed: only rate limits and timeouts (the reference's retry rule).
    public var isRetryable: Bool {
        self == .rateLimited || self == .timeout
    }

    public var description: String {
        switch self {
        case .auth:
            "the LLM provider refused the API key (HTTP 401/403): check the variable ai.api_key_env names"
        case .rateLimited:
            "the LLM provider is rate limiting or overloaded (HTTP 429/529); try again later"
        case .timeout:
            "the LLM request timed out; try again later or raise ai.timeout_seconds"
        case .format(let message):
            "the LLM's answer is not usable JSON: \(message)"
        case .unsupported(let message):
            "the LLM server does not support the structured-output mode: \(message)"
        case .refusal(let message):
            "the LLM declined to answer: \(message)"
        case .other(let message):
            message
        }
    }
}
