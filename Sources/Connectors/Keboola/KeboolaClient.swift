import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFileSystem
import NIOFoundationCompat
import NIOHTTP1

/// Keboola's Storage API over HTTPS (the documented REST wire protocol: buckets, tables, async exports, jobs,
/// files). The token travels only in the `X-StorageApi-Token` header and is scrubbed from every error message.
/// 429 and 5xx answers are retried with exponential backoff (honouring `Retry-After`); 401 and 403 are not.
struct KeboolaClient: Sendable {
    let settings: KeboolaSettings
    let token: String
    let http: HTTPClient

    init(settings: KeboolaSettings, token: String, http: HTTPClient = .shared) {
        self.settings = settings
        self.token = token
        self.http = http
    }

    // MARK: - Storage API calls

    /// `GET /v2/storage/buckets`.
    func buckets() async throws(KeboolaError) -> [KeboolaBucket] {
        try await decode([KeboolaBucket].self, from: call(.GET, "v2/storage/buckets"))
    }

    /// `GET /v2/storage/tables?include=columns,metadata`: every table with its columns and metadata.
    func tables() async throws(KeboolaError) -> [KeboolaTable] {
        try await decode([KeboolaTable].self, from: call(.GET, "v2/storage/tables", query: [("include", "columns,metadata")]))
    }

    /// `GET /v2/storage/tables/{id}?include=columns,metadata`: one table (for its columns and types).
    func table(_ id: String) async throws(KeboolaError) -> KeboolaTable {
        try await decode(
            KeboolaTable.self,
            from: call(
                .GET, "v2/storage/tables/\(KeboolaClient.pathSegment(id))", query: [("include", "columns,metadata")],
                table: id))
    }

    /// `POST /v2/storage/tables/{id}/export-async`: starts an export of the table as gzipped RFC CSV.
    func startExport(_ id: String, _ request: KeboolaExportRequest) async throws(KeboolaError) -> KeboolaJob {
        try await decode(
            KeboolaJob.self,
            from: call(.POST, "v2/storage/tables/\(KeboolaClient.pathSegment(id))/export-async", form: request.formFields, table: id))
    }

    /// Polls `GET /v2/storage/jobs/{id}` with a doubling interval until the job ends or the deadline passes; returns
    /// the finished job (a job that ended in error throws with Keboola's message).
    func wait(for job: KeboolaJob, table: String) async throws(KeboolaError) -> KeboolaJob {
        let deadline = ContinuousClock.now + settings.jobDeadline
        var interval = settings.pollInterval
        var current = job
        while !current.isFinished {
            guard ContinuousClock.now + interval < deadline else {
                throw .failed("the export of \(table) did not finish within \(settings.jobDeadline) (job \(job.id))")
            }
            do {
                try await Task.sleep(for: interval)
            } catch {
                throw .failed("the export of \(table) was cancelled")
            }
            interval = min(interval * 2, settings.maximumPollInterval)
            current = try await decode(KeboolaJob.self, from: call(.GET, "v2/storage/jobs/\(job.id)", table: table))
        }
        guard current.status == "success" else {
            throw .failed(
                "the export of \(table) failed at Keboola: \(scrub(current.error?.message ?? "job \(job.id) ended \(current.status)"))")
        }
        return current
    }

    /// `GET /v2/storage/files/{id}?federationToken=1`: where the exported file (or its slices' manifest) is.
    func file(_ id: Int64, table: String) async throws(KeboolaError) -> KeboolaFile {
        try await decode(
            KeboolaFile.self, from: call(.GET, "v2/storage/files/\(id)", query: [("federationToken", "1")], table: table))
    }

    /// The manifest of a sliced file: where its slices are (signed URLs or objects in the stack's cloud storage).
    func sliceManifest(_ file: KeboolaFile, table: String) async throws(KeboolaError) -> [KeboolaSliceLocation] {
        let body = try await fetch(file.url, table: table, secrets: file.secrets)
        let manifest = try decode(KeboolaSliceManifest.self, from: body)
        var locations: [KeboolaSliceLocation] = []
        for entry in manifest.entries {
            guard let location = KeboolaSliceLocation(manifestEntry: entry.url) else {
                let scheme = entry.url.range(of: "://").map { String(entry.url[..<$0.lowerBound].prefix(20)) } ?? "schemeless"
                throw .failed("the slice manifest of \(table) names a slice at a \(scheme) URL, which this server cannot read")
            }
            locations.append(location)
        }
        return locations
    }

    /// Streams the slice at `location` into `destination` without holding it in memory; returns the bytes written.
    /// `downloader` builds (and for S3 signs) the request again for each attempt; 429 and 5xx answers are retried.
    func download(
        _ location: KeboolaSliceLocation, with downloader: KeboolaSliceDownloader, to destination: String, table: String
    ) async throws(KeboolaError) -> Int64 {
        try await withRetries(table: table) { () async throws(KeboolaError) -> Int64 in
            let slice = try downloader.request(for: location, table: table, now: Date())
            var request = HTTPClientRequest(url: slice.url.absoluteString)
            request.method = .GET
            for (name, value) in slice.headers { request.headers.add(name: name, value: value) }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, deadline: .now() + .hours(6))
            } catch {
                throw .transient("could not download a file of \(table) from \(slice.store): \(downloader.scrub("\(error)", client: self))")
            }
            guard response.status.code == 200 else {
                let body = (try? await response.body.collect(upTo: 16384)) ?? ByteBuffer()
                let message = downloader.scrub(KeboolaClient.storeMessage(in: body), client: self)
                switch response.status.code {
                case 429, 500...599:
                    throw .retryable(
                        status: response.status.code,
                        message: "the export file of \(table) could not be read from \(slice.store): \(message)",
                        retryAfter: response.headers.first(name: "Retry-After").flatMap(Double.init))
                default:
                    throw .failed(
                        "the export file of \(table) could not be read from \(slice.store) (HTTP \(response.status.code): \(message))")
                }
            }
            var written: Int64 = 0
            do {
                try await FileSystem.shared.withFileHandle(
                    forWritingAt: FilePath(destination), options: .newFile(replaceExisting: true)
                ) { handle in
                    var writer = handle.bufferedWriter(capacity: .mebibytes(1))
                    for try await chunk in response.body {
                        written += Int64(chunk.readableBytes)
                        try await writer.write(contentsOf: chunk)
                    }
                    try await writer.flush()
                }
            } catch {
                throw .transient("the download of a file of \(table) broke off: \(downloader.scrub("\(error)", client: self))")
            }
            return written
        }
    }

    // MARK: - HTTP

    private func call(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], form: [(String, String)]? = nil,
        table: String? = nil
    ) async throws(KeboolaError) -> ByteBuffer {
        var components = URLComponents(url: settings.url.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        if !query.isEmpty { components?.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let url = components?.url else { throw .failed("cannot build a Keboola URL for \(path)") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "X-StorageApi-Token", value: token)
        request.headers.add(name: "Accept", value: "application/json")
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: KeboolaClient.formEncoded(form)))
        }
        return try await withRetries(table: table) { () async throws(KeboolaError) -> ByteBuffer in
            let response: HTTPClientResponse
            let body: ByteBuffer
            do {
                response = try await http.execute(request, timeout: .seconds(120))
                body = try await response.body.collect(upTo: 256 << 20)
            } catch {
                throw .transient("Keboola at \(settings.url.absoluteString) could not be reached: \(scrub("\(error)"))")
            }
            switch response.status.code {
            case 200..<300:
                return body
            case 429, 500...599:
                throw .retryable(
                    status: response.status.code, message: scrub(KeboolaClient.message(in: body)),
                    retryAfter: response.headers.first(name: "Retry-After").flatMap(Double.init))
            default:
                throw KeboolaError.status(response.status.code, table: table, message: scrub(KeboolaClient.message(in: body)))
            }
        }
    }

    /// Runs `body`, retrying transient failures (429, 5xx, connection errors) with exponential backoff.
    private func withRetries<T: Sendable>(
        table: String?, _ body: () async throws(KeboolaError) -> T
    ) async throws(KeboolaError) -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch {
                attempt += 1
                guard error.isTransient, attempt <= settings.retries else { throw error.final(table: table) }
                let backoff = min(Double(1 << attempt) * 0.25, 30)
                let wait = min(error.retryAfter ?? backoff, 60)
                do {
                    try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                } catch {
                    throw .failed("cancelled while waiting to retry Keboola")
                }
            }
        }
    }

    private func fetch(_ url: URL, table: String, secrets: [String]) async throws(KeboolaError) -> ByteBuffer {
        let scrub = { (text: String) in secrets.reduce(self.scrub(text)) { $0.replacingOccurrences(of: $1, with: "***") } }
        try KeboolaClient.checkDownloadURL(url, table: table)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .GET
        return try await withRetries(table: table) { () async throws(KeboolaError) -> ByteBuffer in
            do {
                let response = try await http.execute(request, timeout: .seconds(120))
                let body = try await response.body.collect(upTo: 64 << 20)
                guard response.status.code == 200 else {
                    throw KeboolaError.status(response.status.code, table: table, message: scrub(KeboolaClient.storeMessage(in: body)))
                }
                return body
            } catch let error as KeboolaError {
                throw error
            } catch {
                throw .transient("could not fetch the slice manifest of \(table): \(scrub("\(error)"))")
            }
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws(KeboolaError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw .failed("Keboola answered something other than the expected \(T.self): \(error)")
        }
    }

    /// `text` with the token replaced, so no message can carry it.
    func scrub(_ text: String) -> String {
        token.isEmpty ? text : text.replacingOccurrences(of: token, with: "***")
    }

    /// Only https (or loopback http) file URLs are followed; a manifest cannot point the server at another scheme.
    static func checkDownloadURL(_ url: URL, table: String) throws(KeboolaError) {
        let scheme = url.scheme?.lowercased()
        guard scheme == "https" || (scheme == "http" && ServiceURL.isLoopback(url.host ?? "")) else {
            throw .failed(
                "the export of \(table) is stored at a \(scheme ?? "schemeless") URL; only https file URLs can be downloaded")
        }
    }

    static func message(in body: ByteBuffer) -> String {
        struct Failure: Decodable { var error: String?; var message: String? }
        if let failure = try? JSONDecoder().decode(Failure.self, from: body), let text = failure.error ?? failure.message {
            return text
        }
        return String(String(buffer: body).prefix(300))
    }

    /// What a cloud store's error answer says: S3's and Azure's XML `<Code>` and `<Message>`, Cloud Storage's JSON
    /// `error.message`, or the start of the text.
    static func storeMessage(in body: ByteBuffer) -> String {
        let text = String(buffer: body)
        func element(_ name: String) -> String? {
            guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex)
            else { return nil }
            return String(text[start.upperBound..<end.lowerBound].prefix(300))
        }
        if let code = element("Code") {
            return [code, element("Message")].compactMap { $0 }.joined(separator: ": ")
        }
        struct Failure: Decodable {
            struct Detail: Decodable { var message: String? }
            var error: Detail?
        }
        if let failure = try? JSONDecoder().decode(Failure.self, from: body), let message = failure.error?.message {
            return String(message.prefix(300))
        }
        return KeboolaClient.message(in: body)
    }

    /// A table id as one path segment (ids are `stage.c-bucket.table`: dots and dashes stay).
    static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
    }

    static func formEncoded(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { name, value in
            (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name) + "="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
    }
}

/// What went wrong talking to Keboola. Messages never contain the token.
enum KeboolaError: Error, CustomStringConvertible {
    /// A 429 or 5xx answer, retried.
    case retryable(status: UInt, message: String, retryAfter: Double?)
    /// A connection failure, retried.
    case transient(String)
    /// Not retried.
    case failed(String)

    static func status(_ code: UInt, table: String?, message: String) -> KeboolaError {
        switch code {
        case 401, 403:
            return .failed("Keboola token invalid or lacking access to \(table ?? "the project") (HTTP \(code): \(message))")
        case 404:
            return .failed("Keboola has no \(table.map { "table \($0)" } ?? "such resource") (HTTP 404: \(message))")
        default:
            return .failed("Keboola answered HTTP \(code)\(table.map { " for \($0)" } ?? ""): \(message)")
        }
    }

    var isTransient: Bool {
        switch self {
        case .retryable, .transient: true
        case .failed: false
        }
    }

    var retryAfter: Double? {
        if case .retryable(_, _, let seconds) = self { return seconds }
        return nil
    }

    /// The error as reported after the retries ran out.
    func final(table: String?) -> KeboolaError {
        switch self {
        case .retryable(let status, let message, _):
            .failed("Keboola answered HTTP \(status)\(table.map { " for \($0)" } ?? "") after retries: \(message)")
        case .transient(let message):
            .failed(message)
        case .failed:
            self
        }
    }

    var description: String {
        switch self {
        case .retryable(let status, let message, _): "Keboola answered HTTP \(status): \(message)"
        case .transient(let message), .failed(let message): message
        }
    }
}
