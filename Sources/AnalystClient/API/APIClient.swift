import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix

/// A small JSON client for the server's API: bearer token, a deadline per call (10 s by default), `{"detail"}`
/// errors turned into `ClientError.server`, unreachable servers (refused at once, or silent past the deadline) into
/// `ClientError.offline`.
public struct APIClient: Sendable {
    public let server: String
    public let token: String?
    let httpClient: HTTPClient

    public init(server: String, token: String?, httpClient: HTTPClient = .analyst) {
        self.server = server
        self.token = token
        self.httpClient = httpClient
    }

    /// Sends a request and returns the body of a 2xx answer.
    public func send(_ method: HTTPMethod, _ path: String, json: Any? = nil, timeout: TimeAmount = .seconds(10)) async throws -> Data {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        return try await send(method, path, body: body, contentType: json == nil ? nil : "application/json", timeout: timeout)
    }

    /// Sends a request with a raw body of `contentType` and returns the body of a 2xx answer.
    public func send(
        _ method: HTTPMethod, _ path: String, body payload: Data?, contentType: String?, timeout: TimeAmount = .seconds(10)
    ) async throws -> Data {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "da")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
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
        guard (200..<300).contains(Int(response.status.code)) else {
            let detail = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["detail"] as? String
            throw ClientError.server(status: Int(response.status.code), detail: detail ?? response.status.reasonPhrase)
        }
        return body
    }

    /// `send` and decode the answer as a JSON object.
    public func object(_ method: HTTPMethod, _ path: String, json: Any? = nil) async throws -> [String: Any] {
        let body = try await send(method, path, json: json)
        return try APIClient.jsonObject(body, path: path)
    }

    /// `body` as a JSON object, or an error naming `path`.
    static func jsonObject(_ body: Data, path: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ClientError.server(status: 200, detail: "the server's answer to \(path) is not a JSON object")
        }
        return object
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
