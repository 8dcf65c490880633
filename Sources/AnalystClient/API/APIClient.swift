import AnalystAPI
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix

/// A small JSON client for the server's API: bearer token, a deadline per call (10 s by default), `{"detail"}`
/// errors turned into `ClientError.server`, unreachable servers (refused at once, or silent past the deadline) into
/// `ClientError.offline`, and answers decoded into the contract's types (`Schemas.*`), or `ClientError.unreadableAnswer`.
public struct APIClient: Sendable {
    /// The server's base URL, e.g. `http://localhost:8000`.
    public let server: String
    /// The bearer token requests carry; `nil` for the public routes.
    public let token: String?
    let httpClient: HTTPClient

    /// A client for `server` with `token`, over `httpClient` (the process's shared one by default).
    public init(server: String, token: String?, httpClient: HTTPClient = .analyst) {
        self.server = server
        self.token = token
        self.httpClient = httpClient
    }

    // MARK: Typed calls

    /// `GET path`, its answer decoded as `Answer`.
    public func get<Answer: Decodable & Sendable>(
        _ path: String, as type: Answer.Type, timeout: TimeAmount = .seconds(10)
    ) async throws -> Answer {
        try await exchange(.GET, path, as: type, timeout: timeout).value
    }

    /// `method path` without a body, its answer decoded as `Answer`.
    public func send<Answer: Decodable & Sendable>(
        _ method: HTTPMethod, _ path: String, as type: Answer.Type, timeout: TimeAmount = .seconds(10)
    ) async throws -> Answer {
        try await exchange(method, path, as: type, timeout: timeout).value
    }

    /// `method path` with `body` as JSON, its answer decoded as `Answer`.
    public func send<Body: Encodable, Answer: Decodable & Sendable>(
        _ method: HTTPMethod, _ path: String, body: Body, as type: Answer.Type, timeout: TimeAmount = .seconds(10)
    ) async throws -> Answer {
        try await exchange(method, path, body: body, as: type, timeout: timeout).value
    }

    /// `method path` without a body: the answer decoded as `Answer`, with the bytes it came as.
    public func exchange<Answer: Decodable & Sendable>(
        _ method: HTTPMethod, _ path: String, as type: Answer.Type, timeout: TimeAmount = .seconds(10)
    ) async throws -> ServerAnswer<Answer> {
        let body = try await send(method, path, timeout: timeout)
        return ServerAnswer(value: try APIClient.decode(type, from: body, request: "\(method.rawValue) \(path)"), body: body)
    }

    /// `method path` with `body` as JSON: the answer decoded as `Answer`, with the bytes it came as.
    public func exchange<Body: Encodable, Answer: Decodable & Sendable>(
        _ method: HTTPMethod, _ path: String, body: Body, as type: Answer.Type, timeout: TimeAmount = .seconds(10)
    ) async throws -> ServerAnswer<Answer> {
        let answer = try await send(method, path, body: body, timeout: timeout)
        return ServerAnswer(value: try APIClient.decode(type, from: answer, request: "\(method.rawValue) \(path)"), body: answer)
    }

    /// `body` decoded as `Answer` (`JSONDecoder.wire()`); `ClientError.unreadableAnswer` naming `request` otherwise.
    public static func decode<Answer: Decodable>(_ type: Answer.Type, from body: Data, request: String) throws -> Answer {
        do {
            return try JSONDecoder.wire().decode(type, from: body)
        } catch {
            throw ClientError.unreadableAnswer(request: request, reason: reason(error))
        }
    }

    // MARK: Bytes

    /// Sends a request without a body and returns the body of a 2xx answer.
    public func send(_ method: HTTPMethod, _ path: String, timeout: TimeAmount = .seconds(10)) async throws -> Data {
        try await send(method, path, body: nil, contentType: nil, timeout: timeout)
    }

    /// Sends `body` as JSON (`WireJSONEncoder`: an absent optional is `null`) and returns the body of a 2xx answer.
    public func send<Body: Encodable>(
        _ method: HTTPMethod, _ path: String, body: Body, timeout: TimeAmount = .seconds(10)
    ) async throws -> Data {
        let payload: Data
        do {
            payload = try WireJSONEncoder().encode(body)
        } catch {
            throw ClientError.local("Cannot write the request to \(method.rawValue) \(path): \(error)")
        }
        return try await send(method, path, body: payload, contentType: "application/json", timeout: timeout)
    }

    /// Sends a request with a raw body of `contentType` and returns the body of a 2xx answer.
    public func send(
        _ method: HTTPMethod, _ path: String, body payload: Data?, contentType: String?, timeout: TimeAmount = .seconds(10)
    ) async throws -> Data {
        var request = request(method, path)
        if let payload {
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(ByteBuffer(data: payload))
        }
        let response: HTTPClientResponse
        let body: Data
        do {
            response = try await httpClient.execute(request, timeout: timeout)
            body = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        } catch {
            throw ClientError.offline(server: server, reason: APIClient.describe(error))
        }
        return try APIClient.successBody(status: response.status, body: body)
    }

    // MARK: Helpers

    /// A request to `path` with the headers every call carries (JSON accepted, `User-Agent: da`, the token).
    func request(_ method: HTTPMethod, _ path: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "da")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        return request
    }

    /// `body` of a 2xx answer; otherwise `ClientError.server` with the answer's `detail` (or the status's phrase).
    static func successBody(status: HTTPResponseStatus, body: Data) throws -> Data {
        guard (200..<300).contains(Int(status.code)) else {
            throw ClientError.server(status: Int(status.code), detail: errorDetail(in: body) ?? status.reasonPhrase)
        }
        return body
    }

    /// The `detail` of an error answer (`Schemas.ErrorDetail`), if it has one.
    static func errorDetail(in body: Data) -> String? {
        (try? JSONDecoder().decode(Schemas.ErrorDetail.self, from: body))?.detail
    }

    /// What was wrong with an answer, in a few words naming the field.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])) is missing"
        case .valueNotFound(_, let context):
            return "\(field(context.codingPath)) is null"
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)) is not of type \(type)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not JSON" : "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// `field "tables[0].name"`, or `the answer` for the whole.
    static func field(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "the answer" }
        let name = path.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
        return "field \"\(name.hasPrefix(".") ? String(name.dropFirst()) : name)\""
    }

    /// A few words for why a request got no answer.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded { return "no answer within the time limit" }
            if error == .connectTimeout { return "no connection within the time limit" }
        }
        if isConnectionRefused(error) { return "connection refused: is the server running?" }
        return "\(error)"
    }

    /// Whether `error` is (or wraps, for each address tried) a refused TCP connection.
    static func isConnectionRefused(_ error: any Error) -> Bool {
        if let error = error as? IOError { return error.errnoCode == ECONNREFUSED }
        if let error = error as? NIOConnectionError {
            return !error.connectionErrors.isEmpty && error.connectionErrors.allSatisfy { isConnectionRefused($0.error) }
        }
        return false
    }
}

/// A server answer decoded into its contract type, with the bytes it came as (what `--json` prints, unchanged).
public struct ServerAnswer<Value: Sendable>: Sendable {
    /// The decoded answer.
    public let value: Value
    /// The answer's JSON, as the server sent it.
    public let body: Data

    /// An answer of `value`, read from `body`.
    public init(value: Value, body: Data) {
        self.value = value
        self.body = body
    }
}
