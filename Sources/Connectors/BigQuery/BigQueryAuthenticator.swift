import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Access tokens for the service account named by `GOOGLE_APPLICATION_CREDENTIALS`: a signed JWT assertion is
/// exchanged at the key's `token_uri` (OAuth 2.0 JWT-bearer grant) and the token is reused until shortly before it
/// expires, across runs. Concurrent callers share one token request. The key file is read only when a new token is
/// needed.
actor BigQueryAuthenticator {
    private struct Cached {
        var path: String
        var token: String
        var renewAt: ContinuousClock.Instant
    }

    private let settings: BigQuerySettings
    private let environment: [String: String]
    private let http: HTTPClient
    private var cached: Cached?
    private var pending: Task<Result<Cached, BigQueryError>, Never>?
    /// The latest tokens handed out, so messages can be cleaned of them.
    private var issued: [String] = []

    init(settings: BigQuerySettings, environment: [String: String], http: HTTPClient = .shared) {
        self.settings = settings
        self.environment = environment
        self.http = http
    }

    /// A valid access token: the cached one, or a new one from the token endpoint.
    func token() async throws(BigQueryError) -> String {
        let variable = settings.credentialsVariable
        guard let path = environment[variable], !path.isEmpty else {
            throw .failed("BigQuery credentials are missing: set \(variable) to the path of a service-account key file (JSON)")
        }
        if let cached, cached.path == path, ContinuousClock.now < cached.renewAt { return cached.token }
        let task: Task<Result<Cached, BigQueryError>, Never>
        if let pending {
            task = pending
        } else {
            let settings = self.settings
            let http = self.http
            task = Task { await BigQueryAuthenticator.fetch(path: path, settings: settings, http: http) }
            pending = task
        }
        let result = await task.value
        if pending == task { pending = nil }
        let fresh = try result.get()
        cached = fresh
        if !issued.contains(fresh.token) { issued = Array((issued + [fresh.token]).suffix(8)) }
        return fresh.token
    }

    /// Forgets `token` (BigQuery answered 401 to it), so the next `token()` asks for a new one.
    func discard(_ token: String) {
        if cached?.token == token { cached = nil }
    }

    /// `text` with every token this authenticator handed out replaced by `***`.
    func scrub(_ text: String) -> String {
        issued.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    private static func fetch(path: String, settings: BigQuerySettings, http: HTTPClient) async -> Result<Cached, BigQueryError> {
        do throws(BigQueryError) {
            let account = try BigQueryServiceAccount.load(path: path, variable: settings.credentialsVariable)
            let assertion = try await account.assertion(scope: BigQuerySettings.scope)
            let started = ContinuousClock.now
            let body =
                "grant_type=" + BigQueryClient.formEncoded("urn:ietf:params:oauth:grant-type:jwt-bearer") + "&assertion="
                + BigQueryClient.formEncoded(assertion)
            var request = HTTPClientRequest(url: account.tokenURL.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Accept", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
            let scrub = { (text: String) in text.replacingOccurrences(of: assertion, with: "***") }
            let answer = try await BigQueryClient.withRetries(settings: settings, subject: "the token request") {
                () async throws(BigQueryError) -> BigQueryTokenResponse in
                let response: HTTPClientResponse
                let bytes: ByteBuffer
                do {
                    response = try await http.execute(request, timeout: .seconds(60))
                    bytes = try await response.body.collect(upTo: 1 << 20)
                } catch {
                    throw .transient("the token endpoint \(account.tokenURL.absoluteString) could not be reached: \(scrub("\(error)"))")
                }
                switch response.status.code {
                case 200..<300:
                    guard let token = try? JSONDecoder().decode(BigQueryTokenResponse.self, from: bytes), !token.access_token.isEmpty
                    else {
                        throw .failed("the token endpoint \(account.tokenURL.absoluteString) answered without an access_token")
                    }
                    return token
                case 429, 500...599:
                    throw .retryable(
                        status: response.status.code, message: scrub(BigQueryAuthenticator.oauthMessage(bytes)), retryAfter: nil)
                default:
                    throw .failed(
                        "the token endpoint refused the service account \(account.clientEmail) (HTTP \(response.status.code): "
                            + "\(scrub(BigQueryAuthenticator.oauthMessage(bytes))))")
                }
            }
            let lifetime = Duration.seconds(answer.expires_in ?? 3600)
            return .success(Cached(path: path, token: answer.access_token, renewAt: started + lifetime - settings.tokenRenewalMargin))
        } catch {
            return .failure(error)
        }
    }

    /// An OAuth error answer (`{"error", "error_description"}`) as text.
    private static func oauthMessage(_ body: ByteBuffer) -> String {
        struct Failure: Decodable {
            var error: String?
            var error_description: String?
        }
        if let failure = try? JSONDecoder().decode(Failure.self, from: body), let error = failure.error {
            return [error, failure.error_description].compactMap { $0 }.joined(separator: ": ")
        }
        return String(String(buffer: body).prefix(300))
    }
}
