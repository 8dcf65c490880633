import AnalystAPI
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// OpenMetadata's REST API (`/api/v1`): tables by fully qualified name and the metric list. The token travels only
/// in `Authorization: Bearer`, TLS is verified (the reference turned verification off), every request has the
/// settings' short timeout, and the token is scrubbed from every error message. Nothing is retried here: the
/// enricher keeps serving what it has and tries again later.
struct OpenMetadataClient: Sendable {
    /// Pages of the metric list asked for at most (with 100 per page: 10,000 metrics), so a server that keeps
    /// answering `after` cannot keep a refresh going forever.
    static let maximumPages = 100

    let settings: OpenMetadataSettings
    let token: String
    let http: HTTPClient

    init(settings: OpenMetadataSettings, token: String, http: HTTPClient = .shared) {
        self.settings = settings
        self.token = token
        self.http = http
    }

    /// `GET /api/v1/tables/name/{fqn}?fields=columns,tags,owners`; `nil` when the catalog has no such table (404).
    func table(fqn: String) async throws(OpenMetadataError) -> OpenMetadataTable? {
        let body: ByteBuffer
        do throws(OpenMetadataError) {
            body = try await call("api/v1/tables/name/\(OpenMetadataClient.pathSegment(fqn))", query: [("fields", "columns,tags,owners")])
        } catch {
            if case .notFound = error { return nil }
            throw error
        }
        return try decode(OpenMetadataTable.self, from: body)
    }

    /// Every metric, following `paging.after` (`GET /api/v1/metrics?limit=100&fields=tags,owners`).
    func metrics() async throws(OpenMetadataError) -> [OpenMetadataMetric] {
        var metrics: [OpenMetadataMetric] = []
        var after: String?
        for _ in 0..<OpenMetadataClient.maximumPages {
            var query = [("limit", "100"), ("fields", "tags,owners")]
            if let after { query.append(("after", after)) }
            let page = try decode(OpenMetadataPage<OpenMetadataMetric>.self, from: try await call("api/v1/metrics", query: query))
            metrics += page.data
            guard let next = page.paging?.after, !next.isEmpty, next != after else { return metrics }
            after = next
        }
        throw .failed("OpenMetadata kept paging the metric list beyond \(OpenMetadataClient.maximumPages) pages")
    }

    /// The catalog's page for an entity (`<url>/table/<fqn>`, `<url>/metric/<fqn>`), for people to follow.
    func pageURL(_ kind: String, fqn: String) -> String {
        settings.url.appendingPathComponent(kind).absoluteString + "/" + OpenMetadataClient.pathSegment(fqn)
    }

    // MARK: - HTTP

    private func call(_ path: String, query: [(String, String)]) async throws(OpenMetadataError) -> ByteBuffer {
        let base = settings.url.absoluteString.hasSuffix("/") ? settings.url.absoluteString : settings.url.absoluteString + "/"
        var components = URLComponents(string: base + path)
        if !query.isEmpty { components?.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let url = components?.url else { throw .failed("cannot build an OpenMetadata URL for \(path)") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .GET
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .milliseconds(Int64(settings.timeout.wholeMilliseconds)))
            body = try await response.body.collect(upTo: 32 << 20)
        } catch {
            throw .unavailable("OpenMetadata at \(settings.url.absoluteString) could not be reached: \(scrub("\(error)"))")
        }
        switch response.status.code {
        case 200..<300:
            return body
        case 404:
            throw .notFound
        case 401, 403:
            throw .unavailable(
                "OpenMetadata refused the token (HTTP \(response.status.code)): check the variable \(settings.tokenVariable)")
        case 429, 500...599:
            throw .unavailable("OpenMetadata answered HTTP \(response.status.code): \(scrub(OpenMetadataClient.message(in: body)))")
        default:
            throw .failed("OpenMetadata answered HTTP \(response.status.code) for \(path): \(scrub(OpenMetadataClient.message(in: body)))")
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws(OpenMetadataError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw .failed("OpenMetadata answered something other than the expected \(T.self): \(scrub("\(error)"))")
        }
    }

    /// `text` with the token replaced, so no message can carry it.
    func scrub(_ text: String) -> String {
        token.isEmpty ? text : text.replacingOccurrences(of: token, with: "***")
    }

    static func message(in body: ByteBuffer) -> String {
        struct Failure: Decodable { var message: String? }
        if let failure = try? JSONDecoder().decode(Failure.self, from: body), let text = failure.message { return text }
        return String(String(buffer: body).prefix(300))
    }

    /// A fully qualified name as one path segment (dots stay; quotes, slashes and spaces are escaped).
    static func pathSegment(_ fqn: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fqn.addingPercentEncoding(withAllowedCharacters: allowed) ?? fqn
    }
}

/// What went wrong talking to OpenMetadata. Messages never contain the token.
enum OpenMetadataError: Error, CustomStringConvertible {
    /// The catalog has no such entity (404); not a failure of the catalog.
    case notFound
    /// The catalog is down, overloaded, too slow or refuses the token: the rest of a refresh is skipped.
    case unavailable(String)
    /// Any other refusal or an answer that cannot be read.
    case failed(String)

    var description: String {
        switch self {
        case .notFound: "OpenMetadata has no such entity"
        case .unavailable(let message), .failed(let message): message
        }
    }
}
