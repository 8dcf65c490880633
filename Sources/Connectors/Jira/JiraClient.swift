import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFileSystem
import NIOFoundationCompat
import NIOHTTP1

/// Jira Cloud's REST API (v3, and the service-desk API for SLAs) with basic auth `JIRA_EMAIL:JIRA_API_TOKEN`, against
/// the configured site only. 429 and 5xx answers are retried with backoff (honouring `Retry-After`); redirects are
/// never followed blindly: an attachment's redirect is followed only to the same site. The token never appears in
/// an error.
public struct JiraClient: Sendable {
    public let settings: JiraSettings
    let site: URL
    let authorization: String
    let http: HTTPClient
    /// Attempts for a call that answers 429, 5xx or does not connect.
    let attempts: Int

    /// A client that follows no redirect on its own (the attachment download checks every hop itself).
    static let noRedirects = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// `nil` when the settings lack a site, an email or a token.
    public init?(settings: JiraSettings) {
        guard let site = settings.baseURL, let email = settings.email, let token = settings.apiToken, settings.isConfigured else {
            return nil
        }
        self.settings = settings
        self.site = site
        self.authorization = "Basic " + Data("\(email):\(token)".utf8).base64EncodedString()
        self.http = JiraClient.noRedirects
        self.attempts = max(1, settings.retries + 1)
    }

    /// The largest attachment downloaded (reference: 50 MB).
    public static let attachmentLimit: Int64 = 50 << 20

    // MARK: - Calls

    /// `GET /rest/api/3/issue/{key}?expand=renderedFields,changelog&fields=*all`: the issue's JSON; `nil` when Jira
    /// answers 404 (deleted, or never visible to this account).
    public func issue(_ key: String) async throws(JiraError) -> Data? {
        try await optional(
            call(
                .GET, "rest/api/3/issue/\(try JiraClient.checked(key))",
                query: [("expand", "renderedFields,changelog"), ("fields", "*all")]))
    }

    /// `GET /rest/api/3/issue/{key}/remotelink`: a JSON array.
    public func remoteLinks(_ key: String) async throws(JiraError) -> Data {
        try await optional(call(.GET, "rest/api/3/issue/\(try JiraClient.checked(key))/remotelink")) ?? Data("[]".utf8)
    }

    /// `GET /rest/servicedeskapi/request/{key}/sla`: the request's SLAs; `nil` when it is not a service-desk request.
    public func slas(_ key: String) async throws(JiraError) -> Data? {
        try await optional(call(.GET, "rest/servicedeskapi/request/\(try JiraClient.checked(key))/sla"))
    }

    /// One page of `POST /rest/api/3/search/jql`: the issues (with `fields` and `expand`) and the next page's token.
    public func search(
        jql: String, fields: [String], expand: String? = nil, nextPageToken: String?, maxResults: Int = 100
    ) async throws(JiraError) -> JiraSearchPage {
        var body: [String: Any] = ["jql": jql, "fields": fields, "maxResults": maxResults]
        if let expand { body["expand"] = expand }
        if let nextPageToken { body["nextPageToken"] = nextPageToken }
        let json = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        let answer = try await call(.POST, "rest/api/3/search/jql", body: json)
        guard let object = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any],
            let issues = object["issues"] as? [[String: Any]]
        else { throw JiraError(.failed, "Jira's search answered something other than a page of issues") }
        let found = issues.compactMap { issue -> JiraSearchPage.Issue? in
            guard let key = issue["key"] as? String, JiraText.isIssueKey(key),
                let json = try? JSONSerialization.data(withJSONObject: issue)
            else { return nil }
            return .init(key: key, updated: JiraText.time((issue["fields"] as? [String: Any])?["updated"]), json: json)
        }
        let next = object["nextPageToken"] as? String
        return JiraSearchPage(issues: found, nextPageToken: object["isLast"] as? Bool == true ? nil : next)
    }

    /// Streams the attachment at `url` into `destination` (at most `attachmentLimit` bytes); returns the bytes
    /// written. `url` and every redirect must stay on the configured site (scheme, host and port); anything else is
    /// refused before a connection is made. Basic auth is sent only to the site itself.
    public func download(_ url: String, to destination: URL, limit: Int64 = JiraClient.attachmentLimit) async throws(JiraError) -> Int64 {
        guard var current = URL(string: url), isOnSite(current) else {
            throw JiraError(
                .refused, "an attachment at \(JiraClient.origin(of: url)) is not on the Jira site \(site.host ?? ""); not downloaded")
        }
        for _ in 0..<5 {
            var request = HTTPClientRequest(url: current.absoluteString)
            request.headers.add(name: "Authorization", value: authorization)
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: .seconds(300))
            } catch {
                throw JiraError(.transient, "the attachment could not be fetched: \(error)")
            }
            switch response.status.code {
            case 200:
                if let length = response.headers.first(name: "Content-Length").flatMap(Int64.init), length > limit {
                    throw JiraError(.refused, "the attachment is \(length) bytes, over the \(limit)-byte limit; not downloaded")
                }
                return try await JiraClient.write(response.body, to: destination, limit: limit)
            case 301, 302, 303, 307, 308:
                guard let location = response.headers.first(name: "Location"),
                    let next = URL(string: location, relativeTo: current)?.absoluteURL,
                    isOnSite(next)
                else {
                    let location = response.headers.first(name: "Location") ?? ""
                    throw JiraError(
                        .refused, "the attachment redirects to \(JiraClient.origin(of: location)), off the Jira site; not downloaded")
                }
                current = next
            case 404:
                throw JiraError(.notFound, "the attachment is gone from Jira")
            case 429, 500...599:
                throw JiraError(.transient, "Jira answered HTTP \(response.status.code) for an attachment")
            default:
                throw JiraError(.failed, "Jira answered HTTP \(response.status.code) for an attachment")
            }
        }
        throw JiraError(.refused, "the attachment redirects too often; not downloaded")
    }

    // MARK: - HTTP

    struct Answer {
        var status: UInt
        var body: Data
    }

    private func optional(_ answer: Answer) -> Data? {
        answer.status == 404 ? nil : answer.body
    }

    /// One API call: 2xx and 404 are answers; 429, 5xx and connection failures are retried; the rest throws.
    private func call(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil) async throws(JiraError)
        -> Answer
    {
        var components = URLComponents(url: site.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        if !query.isEmpty { components?.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let url = components?.url else { throw JiraError(.failed, "cannot build a Jira URL for \(path)") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        var attempt = 0
        while true {
            attempt += 1
            let failure: JiraError
            var retryAfter: Double?
            do {
                let response = try await http.execute(request, timeout: .seconds(60))
                let bytes = Data(buffer: try await response.body.collect(upTo: 64 << 20))
                switch response.status.code {
                case 200..<300, 404:
                    return Answer(status: response.status.code, body: bytes)
                case 401, 403:
                    throw JiraError(
                        .refused, "Jira refused the credentials (HTTP \(response.status.code)): check JIRA_EMAIL and JIRA_API_TOKEN")
                case 429, 500...599:
                    retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
                    failure = JiraError(.transient, "Jira answered HTTP \(response.status.code): \(JiraClient.message(in: bytes))")
                default:
                    throw JiraError(.failed, "Jira answered HTTP \(response.status.code) to \(path): \(JiraClient.message(in: bytes))")
                }
            } catch let error as JiraError {
                throw error
            } catch {
                failure = JiraError(.transient, "Jira at \(site.absoluteString) could not be reached: \(error)")
            }
            guard attempt < attempts else { throw failure }
            let wait = min(retryAfter ?? 0.25 * Double(1 << attempt), 30)
            do {
                try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            } catch {
                throw JiraError(.transient, "cancelled while waiting to retry Jira")
            }
        }
    }

    private func isOnSite(_ url: URL) -> Bool {
        url.scheme?.lowercased() == site.scheme?.lowercased() && url.host?.lowercased() == site.host?.lowercased()
            && (url.port ?? JiraClient.defaultPort(url.scheme)) == (site.port ?? JiraClient.defaultPort(site.scheme))
            && url.user == nil
    }

    private static func defaultPort(_ scheme: String?) -> Int { scheme?.lowercased() == "http" ? 80 : 443 }

    /// Only the scheme and host of `url`, for messages.
    static func origin(of url: String) -> String {
        guard let parsed = URL(string: url), let host = parsed.host else { return "an unreadable URL" }
        return "\(parsed.scheme ?? "?")://\(host)"
    }

    /// A key that can go into a URL path: validated, never `../`.
    static func checked(_ key: String) throws(JiraError) -> String {
        guard JiraText.isIssueKey(key) else { throw JiraError(.refused, "\"\(key.prefix(80))\" is not a Jira issue key") }
        return key
    }

    /// Jira's error text (`errorMessages`, `errors`), or the start of the body.
    static func message(in body: Data) -> String {
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
            let messages = (object["errorMessages"] as? [String] ?? []) + ((object["errors"] as? [String: String])?.values.sorted() ?? [])
            if !messages.isEmpty { return messages.joined(separator: "; ") }
        }
        return String(decoding: body.prefix(200), as: UTF8.self)
    }

    private static func write(_ body: HTTPClientResponse.Body, to destination: URL, limit: Int64) async throws(JiraError) -> Int64 {
        let temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).part")
        var written: Int64 = 0
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try await FileSystem.shared.withFileHandle(forWritingAt: FilePath(temporary.path), options: .newFile(replaceExisting: true)) {
                handle in
                var writer = handle.bufferedWriter(capacity: .kibibytes(256))
                for try await chunk in body {
                    written += Int64(chunk.readableBytes)
                    guard written <= limit else {
                        throw JiraError(.refused, "the attachment is over the \(limit)-byte limit; not downloaded")
                    }
                    try await writer.write(contentsOf: chunk)
                }
                try await writer.flush()
            }
            guard rename(temporary.path, destination.path) == 0 else {
                throw JiraError(.failed, "could not store the attachment: \(String(cString: strerror(errno)))")
            }
            return written
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? JiraError { throw error }
            throw JiraError(.transient, "the attachment download broke off: \(error)")
        }
    }
}

/// One page of a JQL search.
public struct JiraSearchPage: Sendable {
    public struct Issue: Sendable {
        public var key: String
        public var updated: Date?
        /// The issue's JSON as the search returned it.
        public var json: Data
    }

    public var issues: [Issue]
    /// `nil` on the last page.
    public var nextPageToken: String?
}

/// A failed Jira call: what kind (a retry may help only for `transient`) and a message without secrets.
public struct JiraError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// 429, 5xx, no connection: worth retrying later.
        case transient
        /// Credentials refused, a URL off the site, over a limit: retrying does not help.
        case refused
        case notFound
        case failed
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
