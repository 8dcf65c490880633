import AnalystAPI
import AnalystCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat

/// The HTTP half both providers share: one JSON POST under the base URL, the status mapped to an `LLMError` kind,
/// rate limits and timeouts retried with backoff (`base × 2^(n-1)`, or the server's `retry-after`, capped), one log
/// line per attempt showing only `scheme://host`. The key is scrubbed from every message.
struct LLMTransport: Sendable {
    /// The largest answer read; a model's JSON for one extraction is far smaller.
    static let maximumResponseBytes = 8 << 20

    let settings: LLMSettings
    let http: HTTPClient
    let logger: Logger
    /// The first retry's wait (2 s in production; tests make it tiny).
    let retryBaseDelay: Duration
    /// The longest wait before a retry, whatever `retry-after` says.
    let maxRetryWait: Duration

    /// A failed attempt: its kind and how long the server asked to wait before the next.
    struct Failure: Error {
        var error: LLMError
        var retryAfter: Duration?
    }

    /// POSTs `body` to `path` under the base URL with `headers`; returns the 2xx body. `unsupportedMarkers` are words
    /// that, in a 400 or 422 answer's message, mean the server refused the structured-output mode (`.unsupported`).
    func post(
        _ path: String, headers: [(String, String)], body: Data, schema: LLMSchema, mode: String, unsupportedMarkers: [String]
    ) async throws(LLMError) -> Data {
        let base = settings.baseURL.absoluteString
        var request = HTTPClientRequest(url: (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/" + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: body))

        var attempt = 0
        while true {
            attempt += 1
            let started = ContinuousClock.now
            var metadata: Logger.Metadata = [
                "llm.provider": "\(settings.provider.rawValue)", "llm.url": "\(settings.origin)", "llm.model": "\(settings.model)",
                "llm.schema": "\(schema.name)", "llm.mode": "\(mode)", "llm.attempt": "\(attempt)",
            ]
            do throws(Failure) {
                let answer = try await send(request, unsupportedMarkers: unsupportedMarkers)
                metadata["llm.ms"] = "\((ContinuousClock.now - started).wholeMilliseconds)"
                logger.debug("LLM request answered", metadata: metadata)
                return answer
            } catch {
                metadata["llm.ms"] = "\((ContinuousClock.now - started).wholeMilliseconds)"
                metadata["llm.error"] = "\(error.error)"
                let retrying = error.error.isRetryable && attempt < settings.attempts
                logger.info(retrying ? "LLM request failed; retrying" : "LLM request failed", metadata: metadata)
                guard retrying else { throw error.error }
                let backoff = retryBaseDelay * (1 << (attempt - 1))
                do {
                    try await Task.sleep(for: min(error.retryAfter ?? backoff, maxRetryWait))
                } catch {
                    throw .other("the LLM request was cancelled while waiting to retry")
                }
            }
        }
    }

    /// One attempt.
    private func send(_ request: HTTPClientRequest, unsupportedMarkers: [String]) async throws(Failure) -> Data {
        let response: HTTPClientResponse
        let body: Data
        do {
            let timeout = TimeAmount.milliseconds(Int64(max(settings.timeout.wholeMilliseconds, 1)))
            response = try await http.execute(request, timeout: timeout)
            body = Data(buffer: try await response.body.collect(upTo: LLMTransport.maximumResponseBytes))
        } catch let error as HTTPClientError where LLMTransport.timeouts.contains(error) {
            throw Failure(error: .timeout)
        } catch is NIOTooManyBytesError {
            throw Failure(error: .other("the LLM at \(settings.origin) answered more than \(LLMTransport.maximumResponseBytes >> 20) MiB"))
        } catch {
            throw Failure(error: .other("the LLM at \(settings.origin) could not be reached: \(scrub("\(error)"))"))
        }
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            return body
        case 401, 403:
            throw Failure(error: .auth)
        case 429, 529:
            throw Failure(error: .rateLimited, retryAfter: LLMTransport.retryAfter(response.headers.first(name: "retry-after")))
        case 408, 504:
            throw Failure(error: .timeout)
        case 300..<400:
            throw Failure(
                error: .other(
                    "the LLM at \(settings.origin) answered a redirect (HTTP \(status)); set ai.base_url to the API's own address"))
        case 400, 422:
            let message = message(in: body)
            let lowered = message.lowercased()
            if unsupportedMarkers.contains(where: { lowered.contains($0) }) {
                throw Failure(error: .unsupported(message))
            }
            throw Failure(error: .other("the LLM at \(settings.origin) rejected the request (HTTP \(status)): \(message)"))
        case 404:
            throw Failure(
                error: .other("the LLM at \(settings.origin) answered HTTP 404 (\(message(in: body))); check ai.base_url and ai.model"))
        default:
            throw Failure(error: .other("the LLM at \(settings.origin) answered HTTP \(status): \(message(in: body))"))
        }
    }

    private static let timeouts: [HTTPClientError] = [
        .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout,
    ]

    /// `retry-after` in seconds (the HTTP-date form is ignored: the backoff applies).
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
            return nil
        }
        return .milliseconds(Int64(min(seconds, 3600) * 1000))
    }

    /// The API's error text: `error.message` (Anthropic and OpenAI), else `message` or `detail`, else the body's start;
    /// at most 300 characters, scrubbed.
    func message(in body: Data) -> String {
        var text: String?
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
            if let error = object["error"] as? [String: Any] {
                text = error["message"] as? String
            } else {
                text = object["error"] as? String ?? object["message"] as? String ?? object["detail"] as? String
            }
        }
        let message = text ?? String(decoding: body.prefix(300), as: UTF8.self)
        let cleaned = scrub(message).trimmingCharacters(in: .whitespacesAndNewlines)
        return cleaned.isEmpty ? "no message" : String(cleaned.prefix(300))
    }

    /// `text` without the key and with the base URL cut to `scheme://host`.
    func scrub(_ text: String) -> String {
        var text = text
        if !settings.apiKey.isEmpty { text = text.replacingOccurrences(of: settings.apiKey, with: "***") }
        let base = settings.baseURL.absoluteString
        if base != settings.origin { text = text.replacingOccurrences(of: base, with: settings.origin) }
        return text
    }
}
