import AnalystCore
import AsyncHTTPClient
import Logging

/// Builds the extractor the settings' provider speaks (reference §5.4 `create_extractor`).
public enum LLMExtractors {
    /// An HTTP client that follows no redirect: a redirect would carry the key to wherever it points.
    public static let httpClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// The extractor for `settings.provider`, calling through `httpClient` (which should not follow redirects) and
    /// logging one line per request to `logger`. `retryBaseDelay` is the first retry's wait (the reference's 2 s,
    /// doubling); `maxRetryWait` caps every wait, including the server's `retry-after`. The extractor keeps no
    /// connection of its own and may live as long as the caller likes.
    public static func make(
        settings: LLMSettings, httpClient: HTTPClient = LLMExtractors.httpClient, logger: Logger,
        retryBaseDelay: Duration = .seconds(2), maxRetryWait: Duration = .seconds(60)
    ) -> any StructuredExtractor {
        let transport = LLMTransport(
            settings: settings, http: httpClient, logger: logger, retryBaseDelay: retryBaseDelay, maxRetryWait: maxRetryWait)
        switch settings.provider {
        case .anthropic:
            return AnthropicExtractor(transport: transport)
        case .openAICompat:
            return OpenAICompatExtractor(transport: transport)
        }
    }
}
