import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// BigQuery's REST API v2 (`jobs.query`, `jobs.getQueryResults`, `datasets.list`, `tables.list`, `tables.get`). The
/// access token travels only in the `Authorization` header and is scrubbed from every message. 429, 5xx and
/// `rateLimitExceeded` answers are retried with exponential backoff; a 401 renews the token once.
struct BigQueryClient: Sendable {
    let settings: BigQuerySettings
    let authenticator: BigQueryAuthenticator
    let http: HTTPClient

    init(settings: BigQuerySettings, authenticator: BigQueryAuthenticator, http: HTTPClient = .shared) {
        self.settings = settings
        self.authenticator = authenticator
        self.http = http
    }

    /// Runs `sql` (standard SQL) in the project and hands every page of rows to `page`, in order, without holding
    /// more than one page. Returns the bytes received. `subject` names what runs, for messages ("the query for orders").
    func query(
        _ sql: String, subject: String, page: (BigQuerySchema, [BigQueryRow]) async throws -> Void
    ) async throws -> Int64 {
        let request = BigQueryQueryRequest(
            query: sql, location: settings.location, maxResults: settings.pageSize, timeoutMs: milliseconds(settings.pollWait))
        let body: Data
        do {
            body = try JSONEncoder().encode(request)
        } catch {
            throw BigQueryError.failed("cannot encode the query for \(subject)")
        }
        var bytes: Int64 = 0
        let started = try await call(.POST, "queries", body: body, subject: subject)
        bytes += Int64(started.readableBytes)
        var response = try decode(BigQueryQueryResponse.self, from: started, subject: subject)
        guard let job = response.jobReference else {
            throw BigQueryError.failed("BigQuery answered \(subject) without a job reference")
        }
        let deadline = ContinuousClock.now + settings.queryDeadline
        while response.jobComplete != true {
            guard ContinuousClock.now < deadline else {
                throw BigQueryError.failed("\(subject) did not finish within \(settings.queryDeadline) (job \(job.jobId))")
            }
            let next = try await results(of: job, pageToken: nil, subject: subject)
            bytes += Int64(next.readableBytes)
            response = try decode(BigQueryQueryResponse.self, from: next, subject: subject)
        }
        guard let schema = response.schema else { throw BigQueryError.failed("BigQuery answered \(subject) without a schema") }
        try await page(schema, response.rows ?? [])
        var seen: Set<String> = []
        while let token = response.pageToken, !token.isEmpty {
            guard seen.insert(token).inserted else {
                throw BigQueryError.failed("BigQuery repeated a page token for \(subject); the result cannot be read")
            }
            let next = try await results(of: job, pageToken: token, subject: subject)
            bytes += Int64(next.readableBytes)
            response = try decode(BigQueryQueryResponse.self, from: next, subject: subject)
            try await page(schema, response.rows ?? [])
        }
        return bytes
    }

    /// `GET /projects/{p}/queries/{jobId}`: the job's state, or one page of its rows.
    private func results(of job: BigQueryJobReference, pageToken: String?, subject: String) async throws(BigQueryError) -> ByteBuffer {
        var query = [("maxResults", String(settings.pageSize)), ("timeoutMs", String(milliseconds(settings.pollWait)))]
        if let location = job.location ?? settings.location { query.append(("location", location)) }
        if let pageToken { query.append(("pageToken", pageToken)) }
        query.append(("formatOptions.useInt64Timestamp", "true"))
        return try await call(.GET, "queries/" + BigQueryClient.pathSegment(job.jobId), query: query, subject: subject)
    }

    /// Every dataset of the project (`datasets.list`, all pages).
    func datasets() async throws(BigQueryError) -> [String] {
        var names: [String] = []
        var token: String?
        repeat {
            let body = try await call(.GET, "datasets", query: token.map { [("pageToken", $0)] } ?? [], subject: "the dataset list")
            let list = try decode(BigQueryDatasetList.self, from: body, subject: "the dataset list")
            names += (list.datasets ?? []).map(\.datasetReference.datasetId)
            token = list.nextPageToken.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return names
    }

    /// Every table of `dataset` (`tables.list`, all pages).
    func tables(in dataset: String) async throws(BigQueryError) -> [BigQueryTableList.Table] {
        var tables: [BigQueryTableList.Table] = []
        var token: String?
        let subject = "the table list of \(dataset)"
        repeat {
            let body = try await call(
                .GET, "datasets/\(BigQueryClient.pathSegment(dataset))/tables", query: token.map { [("pageToken", $0)] } ?? [],
                subject: subject)
            let list = try decode(BigQueryTableList.self, from: body, subject: subject)
            tables += list.tables ?? []
            token = list.nextPageToken.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return tables
    }

    /// One table's schema and size (`tables.get`).
    func table(_ name: String, in dataset: String) async throws(BigQueryError) -> BigQueryTableInfo {
        let subject = "table \(dataset).\(name)"
        let body = try await call(
            .GET, "datasets/\(BigQueryClient.pathSegment(dataset))/tables/\(BigQueryClient.pathSegment(name))", subject: subject)
        return try decode(BigQueryTableInfo.self, from: body, subject: subject)
    }

    // MARK: - HTTP

    /// One API call under `/bigquery/v2/projects/{project}/`, with the token, retries and one renewal after a 401.
    private func call(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil, subject: String
    ) async throws(BigQueryError) -> ByteBuffer {
        let base = settings.apiURL.appendingPathComponent("bigquery/v2/projects")
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false)
        components?.percentEncodedPath += "/" + BigQueryClient.pathSegment(settings.project) + "/" + path
        if !query.isEmpty { components?.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let url = components?.url else { throw .failed("cannot build a BigQuery URL for \(subject)") }
        var renewed = false
        while true {
            let token = try await authenticator.token()
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Accept", value: "application/json")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(data: body))
            }
            do {
                return try await BigQueryClient.withRetries(settings: settings, subject: subject) {
                    () async throws(BigQueryError) -> ByteBuffer in
                    try await send(request, token: token, subject: subject)
                }
            } catch {
                guard case .unauthorized(let message) = error else { throw error }
                await authenticator.discard(token)
                guard !renewed else { throw .failed(message) }
                renewed = true
            }
        }
    }

    private func send(_ request: HTTPClientRequest, token: String, subject: String) async throws(BigQueryError) -> ByteBuffer {
        let scrub = { (text: String) in text.replacingOccurrences(of: token, with: "***") }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(300))
            body = try await response.body.collect(upTo: 512 << 20)
        } catch {
            throw .transient("BigQuery at \(settings.apiURL.absoluteString) could not be reached for \(subject): \(scrub("\(error)"))")
        }
        let code = response.status.code
        if (200..<300).contains(code) { return body }
        let failure = try? JSONDecoder().decode(BigQueryErrorBody.self, from: body)
        let reason = failure?.error.errors?.first?.reason ?? failure?.error.status
        let message = scrub(failure?.error.message ?? String(String(buffer: body).prefix(300)))
        let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
        switch code {
        case 401:
            throw .unauthorized(
                "BigQuery refused the service account's access token for \(subject) (HTTP 401: \(message)); check the key in \(settings.credentialsVariable)"
            )
        case 429, 500...599:
            throw .retryable(status: code, message: message, retryAfter: retryAfter)
        case 403 where reason == "rateLimitExceeded":
            throw .retryable(status: code, message: "rateLimitExceeded: \(message)", retryAfter: retryAfter)
        default:
            var text = "BigQuery refused \(subject): \(reason ?? "HTTP \(code)"): \(message)"
            switch reason {
            case "accessDenied":
                text += " (the service account needs BigQuery Data Viewer on the data and Job User on project \(settings.project))"
            case "quotaExceeded":
                text += " (the project's BigQuery quota is used up; retry later or raise the quota)"
            default:
                break
            }
            throw .failed(text)
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer, subject: String) throws(BigQueryError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw .failed("BigQuery answered \(subject) with something other than the expected \(T.self): \(error)")
        }
    }

    private func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Runs `body`, retrying transient failures (429, 5xx, rate limits, connection errors) with exponential backoff.
    static func withRetries<T: Sendable>(
        settings: BigQuerySettings, subject: String, _ body: () async throws(BigQueryError) -> T
    ) async throws(BigQueryError) -> T {
        var attempt = 0
        var backoff = settings.retryBackoff
        while true {
            do {
                return try await body()
            } catch {
                attempt += 1
                guard error.isTransient, attempt <= settings.retries else { throw error.final(subject: subject) }
                let wait = error.retryAfter.map { Duration.milliseconds(Int(min($0, 60) * 1000)) } ?? backoff
                backoff = min(backoff * 2, .seconds(30))
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    throw .failed("cancelled while waiting to retry BigQuery")
                }
            }
        }
    }

    /// A name as one URL path segment.
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? text
    }

    /// `text` for an `application/x-www-form-urlencoded` body.
    static func formEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
