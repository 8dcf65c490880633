import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A small Keboola Storage API on 127.0.0.1 that speaks the real wire protocol: buckets and tables with columns and
/// metadata, `export-async` (columns, `changedSince`, where-filters, gzip) answered by a job that runs for a few
/// polls, the job's file with a signed URL, sliced files as a manifest of slice URLs, and `X-StorageApi-Token` checks.
///
/// Tests change the data (`put`), revoke the token, or make the next answers fail (`failNext`) and read what was
/// asked (`exportRequests`).
///
/// With a cloud `storage` backend the fake also plays the stack's storage, as Keboola's stacks on AWS, GCP and
/// Azure do: the file's answer carries the provider's fields and temporary credentials, the slice manifest lists
/// `s3://`, `gs://` or `azure://` objects, and the fake serves them path-style (`/<bucket>/<key>`, checking the AWS
/// Signature Version 4 of each GET), as Cloud Storage's JSON API media GET (checking the Bearer token) or as an
/// Azurite-style blob (checking the SAS signature). See `FakeKeboola+CloudStorage.swift`.
public final class FakeKeboola: Sendable {
    /// A column: its name and, optionally, the type metadata a provider set.
    public struct Column: Sendable {
        public var name: String
        /// `KBC.datatype.basetype` entries as (provider, basetype, length).
        public var types: [(provider: String, basetype: String, length: String?)]

        public init(_ name: String, _ types: [(provider: String, basetype: String, length: String?)] = []) {
            self.name = name
            self.types = types
        }

        /// A column typed by the `user` provider.
        public static func typed(_ name: String, _ basetype: String, length: String? = nil) -> Column {
            Column(name, [(provider: "user", basetype: basetype, length: length)])
        }
    }

    /// How a table's exports come out.
    public struct ExportShape: Sendable {
        /// 0: one file with a header row; n > 0: n slices without a header, listed in a manifest.
        public var slices: Int
        public var gzip: Bool

        public init(slices: Int = 0, gzip: Bool = true) {
            self.slices = slices
            self.gzip = gzip
        }
    }

    /// Where the exported files live.
    public enum StorageBackend: Sendable, Equatable {
        /// Signed https URLs only (slices too).
        case https
        /// An S3 bucket in `region`, read with STS credentials and SigV4; point `AWS_ENDPOINT_URL_S3` at `url`.
        case s3(region: String)
        /// A Cloud Storage bucket read with an OAuth access token; point `STORAGE_EMULATOR_HOST` at `url`.
        case gcs
        /// An Azure Blob Storage container read with a shared access signature (its endpoint is the fake's).
        case azure
    }

    /// An `export-async` request as received.
    public struct ExportRequest: Sendable, Equatable {
        public var tableID: String
        public var fields: [String: [String]]
    }

    public let port: Int
    public let token: String
    public var url: String { "http://127.0.0.1:\(port)" }

    let state: FakeKeboolaState
    private let task: Task<Void, any Error>

    /// Starts the fake on a free port; `token` is the only token it accepts.
    public static func start(
        token: String = "kbc-test-token-\(UUID().uuidString)", files: URL, storage: StorageBackend = .https
    ) async throws -> FakeKeboola {
        let state = FakeKeboolaState(token: token, files: files, storage: storage)
        let router = Router()
        state.addRoutes(to: router)
        state.addCloudStorageRoutes(to: router)
        let (port, task) = try await LocalHTTPServer.start(router, label: "fake-keboola")
        state.setBase("http://127.0.0.1:\(port)")
        return FakeKeboola(port: port, token: token, state: state, task: task)
    }

    private init(port: Int, token: String, state: FakeKeboolaState, task: Task<Void, any Error>) {
        self.port = port
        self.token = token
        self.state = state
        self.task = task
    }

    /// Creates or replaces table `id` (`in.c-bucket.name`) with its columns, primary key and rows (all changed now).
    public func createTable(
        _ id: String, columns: [Column], primaryKey: [String] = [], rows: [[String?]], description: String? = nil,
        shape: ExportShape = ExportShape()
    ) {
        state.createTable(id, columns: columns, primaryKey: primaryKey, rows: rows, description: description, shape: shape)
    }

    /// Adds rows or, when a row's primary key exists, replaces it; the rows count as changed now.
    public func put(_ id: String, rows: [[String?]]) {
        state.put(id, rows: rows)
    }

    /// From now on only `token` is accepted (the old one answers 401).
    public func rotateToken(to token: String) {
        state.rotateToken(to: token)
    }

    /// Table `id` answers 403 to exports (a token without access to its bucket).
    public func denyAccess(to id: String) {
        state.denyAccess(to: id)
    }

    /// The next `count` requests whose path starts with `prefix` answer `status` (429 with `Retry-After: 0`).
    public func failNext(_ count: Int, pathPrefix: String, status: Int) {
        state.failNext(count, pathPrefix: pathPrefix, status: status)
    }

    /// Every `export-async` request so far.
    public var exportRequests: [ExportRequest] { state.exportRequests }

    /// Every credential value the fake hands out for its cloud storage (none must appear in outcomes or logs).
    public var storageSecrets: [String] { state.storageSecrets }

    /// Slices read from the cloud storage with valid credentials so far.
    public var storageReads: Int { state.data.withLock { $0.storageReads } }

    /// From now on the storage refuses the credentials handed out so far, as expired (S3 answers 400
    /// `ExpiredToken`, Cloud Storage 401, Azure 403 `AuthenticationFailed`).
    public func expireStorageCredentials() {
        state.data.withLock { $0.storageCredentialsExpired = true }
    }

    /// From now on the file's answer carries a wrong AWS secret key (so S3 answers 403 `SignatureDoesNotMatch`), a
    /// wrong access token or a wrong SAS signature.
    public func handOutWrongStorageCredentials() {
        state.data.withLock { $0.wrongCredentialsHandedOut = true }
    }

    /// Every token sent in `X-StorageApi-Token` to a URL that is not a Storage API call (there must be none).
    public var tokensSentToFileURLs: Int { state.tokensSentToFileURLs }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// The fake's data and behaviour, behind one lock.
final class FakeKeboolaState: Sendable {
    struct Row {
        var values: [String?]
        var changedAt: Date
    }

    struct Table {
        var id: String
        var columns: [FakeKeboola.Column]
        var primaryKey: [String]
        var rows: [Row]
        var description: String?
        var shape: FakeKeboola.ExportShape
        var lastChange: Date
    }

    struct Job {
        var id: Int64
        var createdTime: Date
        var pollsLeft: Int
        var fileID: Int64?
        var error: String?
    }

    struct StoredFile {
        var id: Int64
        var sliced: Bool
        /// Paths of the parts on disk (one, or the slices).
        var parts: [String]
        /// The parts' keys in the cloud storage.
        var keys: [String] = []
    }

    struct Store {
        var base = ""
        var token: String
        var tables: [String: Table] = [:]
        var denied: Set<String> = []
        var jobs: [Int64: Job] = [:]
        var files: [Int64: StoredFile] = [:]
        var nextID: Int64 = 1000
        var failures: [(prefix: String, status: Int, count: Int)] = []
        var exportRequests: [FakeKeboola.ExportRequest] = []
        var tokensSentToFileURLs = 0
        var storage: FakeKeboola.StorageBackend = .https
        /// The cloud storage's credentials (what the fake accepts).
        let awsAccessKey = "ASIA" + FakeKeboolaState.randomText(16).uppercased()
        let awsSecret = FakeKeboolaState.randomText(40)
        let awsSessionToken = "FwoGZXIvYXdzE" + FakeKeboolaState.randomText(60)
        let gcsToken = "ya29." + FakeKeboolaState.randomText(60)
        let azureSignature = FakeKeboolaState.randomText(43)
        var storageCredentialsExpired = false
        var wrongCredentialsHandedOut = false
        var storageReads = 0
        /// Objects in the cloud storage: key → path on disk.
        var objects: [String: String] = [:]
        /// Exports started and not yet run, by job id.
        var pendingExports: [Int64: (table: String, fields: [String: [String]])] = [:]
    }

    let data: Mutex<Store>
    let files: URL

    init(token: String, files: URL, storage: FakeKeboola.StorageBackend) {
        var store = Store(token: token)
        store.storage = storage
        data = Mutex(store)
        self.files = files
        try? FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
    }

    func setBase(_ base: String) { data.withLock { $0.base = base } }
    func rotateToken(to token: String) { data.withLock { $0.token = token } }
    func denyAccess(to id: String) { _ = data.withLock { $0.denied.insert(id) } }
    var exportRequests: [FakeKeboola.ExportRequest] { data.withLock { $0.exportRequests } }
    var tokensSentToFileURLs: Int { data.withLock { $0.tokensSentToFileURLs } }

    func failNext(_ count: Int, pathPrefix: String, status: Int) {
        data.withLock { $0.failures.append((pathPrefix, status, count)) }
    }

    func createTable(
        _ id: String, columns: [FakeKeboola.Column], primaryKey: [String], rows: [[String?]], description: String?,
        shape: FakeKeboola.ExportShape
    ) {
        let now = Date()
        data.withLock {
            $0.tables[id] = Table(
                id: id, columns: columns, primaryKey: primaryKey, rows: rows.map { Row(values: $0, changedAt: now) },
                description: description, shape: shape, lastChange: now)
        }
    }

    func put(_ id: String, rows: [[String?]]) {
        let now = Date()
        data.withLock { data in
            guard var table = data.tables[id] else { return }
            let keyIndexes = table.primaryKey.compactMap { key in table.columns.firstIndex { $0.name == key } }
            for values in rows {
                let key = keyIndexes.map { values[$0] }
                if !keyIndexes.isEmpty, let index = table.rows.firstIndex(where: { row in keyIndexes.map { row.values[$0] } == key }) {
                    table.rows[index] = Row(values: values, changedAt: now)
                } else {
                    table.rows.append(Row(values: values, changedAt: now))
                }
            }
            table.lastChange = now
            data.tables[id] = table
        }
    }

    // MARK: - Routes

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("v2/storage/buckets") { request, _ in
            try self.answer {
                try self.locked(request) { data in
                    let ids = Set(data.tables.values.map { FakeKeboolaState.bucketID(of: $0.id) })
                    return ids.sorted().map { id -> [String: Any] in
                        [
                            "id": id, "name": id.split(separator: ".").last.map(String.init) ?? id,
                            "displayName": id.split(separator: "-").last.map(String.init) ?? id, "stage": "in", "description": "",
                        ]
                    }
                }
            }
        }
        router.get("v2/storage/tables") { request, _ in
            try self.answer {
                try self.locked(request) { data in data.tables.values.sorted { $0.id < $1.id }.map(FakeKeboolaState.describe) }
            }
        }
        router.get("v2/storage/tables/:id") { request, context in
            let id = try context.parameters.require("id")
            return try self.answer {
                try self.locked(request) { data in
                    guard let table = data.tables[id] else { throw Failure(404, "The table \"\(id)\" was not found") }
                    return FakeKeboolaState.describe(table)
                }
            }
        }
        router.post("v2/storage/tables/:id/export-async") { request, context in
            let id = try context.parameters.require("id")
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let fields = FakeKeboolaState.formFields(String(buffer: body))
            return try self.answer(status: .accepted) {
                try self.locked(request) { data in
                    guard data.tables[id] != nil else { throw Failure(404, "The table \"\(id)\" was not found") }
                    guard !data.denied.contains(id) else { throw Failure(403, "You don't have access to the resource.") }
                    data.exportRequests.append(.init(tableID: id, fields: fields))
                    data.nextID += 1
                    let job = Job(id: data.nextID, createdTime: Date(), pollsLeft: 2)
                    data.jobs[job.id] = job
                    data.pendingExports[job.id] = (id, fields)
                    return FakeKeboolaState.describe(job, base: data.base)
                }
            }
        }
        router.get("v2/storage/jobs/:id") { request, context in
            guard let id = Int64(try context.parameters.require("id")) else { throw HTTPError(.notFound) }
            return try self.answer {
                let finished: (String, [String: [String]])? = try self.locked(request) { data in
                    guard var job = data.jobs[id] else { throw Failure(404, "Job \(id) not found") }
                    job.pollsLeft -= 1
                    data.jobs[id] = job
                    guard job.pollsLeft <= 0, job.fileID == nil, job.error == nil else { return nil }
                    return data.pendingExports.removeValue(forKey: id)
                }
                if let (table, fields) = finished { self.runExport(job: id, table: table, fields: fields) }
                return try self.data.withLock { data in
                    guard let job = data.jobs[id] else { throw Failure(404, "Job \(id) not found") }
                    return FakeKeboolaState.describe(job, base: data.base)
                }
            }
        }
        router.get("v2/storage/files/:id") { request, context in
            guard let id = Int64(try context.parameters.require("id")) else { throw HTTPError(.notFound) }
            return try self.answer {
                try self.locked(request) { data in
                    guard let file = data.files[id] else { throw Failure(404, "File \(id) not found") }
                    let url = file.sliced ? "\(data.base)/signed/\(id)/manifest?signature=abc" : "\(data.base)/signed/\(id)/0?signature=abc"
                    var body: [String: Any] = ["id": id, "url": url, "isSliced": file.sliced, "sizeBytes": 0, "provider": "fake"]
                    body.merge(FakeKeboolaState.storageFields(of: file, data), uniquingKeysWith: { $1 })
                    return body
                }
            }
        }
        // The "signed URLs" of stored files: no token (a real signed URL needs none; one sent is counted).
        router.get("signed/:file/manifest") { request, context in
            guard let id = Int64(try context.parameters.require("file")) else { throw HTTPError(.notFound) }
            let (file, base) = try self.signedFile(request, id)
            let storage = self.data.withLock { $0.storage }
            let entries = file.parts.indices.map {
                ["url": storage == .https ? "\(base)/signed/\(id)/\($0)?signature=abc" : FakeKeboolaState.objectURL(file.keys[$0], storage)]
            }
            return try FakeKeboolaState.json(["entries": entries])
        }
        router.get("signed/:file/:part") { request, context in
            guard let id = Int64(try context.parameters.require("file")), let part = Int(try context.parameters.require("part")) else {
                throw HTTPError(.notFound)
            }
            let (file, _) = try self.signedFile(request, id)
            guard file.parts.indices.contains(part), let bytes = FileManager.default.contents(atPath: file.parts[part]) else {
                throw HTTPError(.notFound)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(data: bytes)))
        }
    }

    /// The token header's value in `request`, if any.
    static func token(in request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == "x-storageapi-token" }?.value
    }

    private func signedFile(_ request: Request, _ id: Int64) throws -> (StoredFile, String) {
        try data.withLock { data in
            if FakeKeboolaState.token(in: request) != nil { data.tokensSentToFileURLs += 1 }
            if let failure = FakeKeboolaState.takeFailure(request.uri.path, &data) { throw HTTPError(failure) }
            guard let file = data.files[id] else { throw HTTPError(.notFound) }
            return (file, data.base)
        }
    }

    /// Checks injected failures and the token, then runs `body` on the data (all under the lock).
    private func locked<T>(_ request: Request, _ body: (inout Store) throws -> T) throws -> T {
        try data.withLock { data in
            if let failure = FakeKeboolaState.takeFailure(request.uri.path, &data) {
                throw Failure(Int(failure.code), "Service unavailable, try later")
            }
            guard FakeKeboolaState.token(in: request) == data.token else {
                throw Failure(401, "Invalid access token")
            }
            return try body(&data)
        }
    }

    /// `body`'s value as JSON, or a Keboola-style error answer for a `Failure`.
    private func answer(status: HTTPResponse.Status = .ok, _ body: () throws -> Any) throws -> Response {
        do {
            var response = try FakeKeboolaState.json(try body())
            response.status = status
            return response
        } catch let failure as Failure {
            var response = try FakeKeboolaState.json(["error": failure.message, "code": "storage.error", "status": "error"])
            response.status = .init(code: failure.status)
            if failure.status == 429 { response.headers[.retryAfter] = "0" }
            return response
        }
    }

    private static func takeFailure(_ path: String, _ data: inout Store) -> HTTPResponse.Status? {
        guard let index = data.failures.firstIndex(where: { path.hasPrefix($0.prefix) && $0.count > 0 }) else { return nil }
        data.failures[index].count -= 1
        return .init(code: data.failures[index].status)
    }

    /// Writes the export's CSV (filtered, with the asked columns, gzipped and sliced as the table says) and ends the job.
    private func runExport(job id: Int64, table tableID: String, fields: [String: [String]]) {
        data.withLock { data in
            guard var job = data.jobs[id], let table = data.tables[tableID] else { return }
            let names = table.columns.map(\.name)
            let asked = fields["columns[]"] ?? fields["columns"].map { $0.flatMap { $0.split(separator: ",").map(String.init) } } ?? []
            let columns = asked.isEmpty ? names : asked
            guard columns.allSatisfy(names.contains) else {
                job.error = "Columns not found in table"
                data.jobs[id] = job
                return
            }
            let indexes = columns.compactMap { names.firstIndex(of: $0) }
            var rows = table.rows
            if let since = fields["changedSince"]?.first.flatMap(FakeKeboolaState.parseTime) {
                rows = rows.filter { $0.changedAt >= since }
            }
            for filter in FakeKeboolaState.whereFilters(fields) {
                guard let column = names.firstIndex(of: filter.column) else { continue }
                rows = rows.filter { row in
                    let matches = filter.values.contains(row.values[column] ?? "")
                    return filter.operator == "ne" ? !matches : matches
                }
            }
            let gzip = fields["gzip"]?.first == "1" && table.shape.gzip
            let sliceCount = max(table.shape.slices, 0)
            var groups: [[Row]] = sliceCount == 0 ? [rows] : Array(repeating: [], count: sliceCount)
            if sliceCount > 0 {
                for (index, row) in rows.enumerated() { groups[index % sliceCount].append(row) }
            }
            var parts: [String] = []
            for (index, group) in groups.enumerated() {
                var text = sliceCount == 0 ? FakeKeboolaState.csvLine(columns) : ""
                for row in group { text += FakeKeboolaState.csvLine(indexes.map { row.values[$0] }) }
                let path = files.appendingPathComponent("file-\(id)-\(index).csv").path
                _ = FileManager.default.createFile(atPath: path, contents: Foundation.Data(text.utf8))
                if gzip, FakeKeboolaState.gzip(path) { parts.append(path + ".gz") } else { parts.append(path) }
            }
            data.nextID += 1
            // Keys as Keboola's unloads name them: a folder per export with numbered parts.
            let keys = parts.indices.map {
                "exp-2/\(data.nextID)/\(tableID).csv.gz_slices/\(data.nextID).csv.gz\(String(format: "%04d", $0))_part_00"
            }
            for (key, path) in zip(keys, parts) { data.objects[key] = path }
            let file = StoredFile(id: data.nextID, sliced: sliceCount > 0, parts: parts, keys: keys)
            data.files[file.id] = file
            job.fileID = file.id
            data.jobs[id] = job
        }
    }

    // MARK: - Wire shapes

    static func describe(_ table: Table) -> [String: Any] {
        let bucket = bucketID(of: table.id)
        var columnMetadata: [String: Any] = [:]
        for column in table.columns where !column.types.isEmpty {
            columnMetadata[column.name] = column.types.flatMap { type -> [[String: Any]] in
                var entries: [[String: Any]] = [
                    ["key": "KBC.datatype.basetype", "value": type.basetype, "provider": type.provider]
                ]
                if let length = type.length {
                    entries.append(["key": "KBC.datatype.length", "value": length, "provider": type.provider])
                }
                return entries
            }
        }
        var metadata: [[String: Any]] = []
        if let description = table.description {
            metadata.append(["key": "KBC.description", "value": description, "provider": "user"])
        }
        return [
            "id": table.id, "name": table.id.split(separator: ".").last.map(String.init) ?? table.id,
            "bucket": ["id": bucket, "name": bucket.split(separator: ".").last.map(String.init) ?? bucket],
            "columns": table.columns.map(\.name), "primaryKey": table.primaryKey, "rowsCount": table.rows.count,
            "dataSizeBytes": table.rows.count * 64, "lastChangeDate": keboolaTime(table.lastChange),
            "lastImportDate": keboolaTime(table.lastChange), "isTyped": false, "metadata": metadata,
            "columnMetadata": columnMetadata,
        ]
    }

    static func describe(_ job: Job, base: String) -> [String: Any] {
        var body: [String: Any] = [
            "id": job.id,
            "status": job.error != nil ? "error" : job.fileID != nil ? "success" : job.pollsLeft >= 2 ? "waiting" : "processing",
            "url": "\(base)/v2/storage/jobs/\(job.id)", "operationName": "tableExport",
            "createdTime": keboolaTime(job.createdTime), "results": [Any](),
        ]
        if let fileID = job.fileID { body["results"] = ["file": ["id": fileID]] }
        if let error = job.error { body["error"] = ["message": error, "code": "storage.error"] }
        return body
    }

    static func bucketID(of tableID: String) -> String {
        tableID.split(separator: ".").dropLast().joined(separator: ".")
    }

    /// Keboola's time format: `2024-05-01T10:00:00+0000`.
    static func keboolaTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.string(from: date)
    }

    static func parseTime(_ text: String) -> Date? {
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    static func csvLine(_ values: [String?]) -> String {
        values.map { "\"" + ($0 ?? "").replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\n"
    }

    static func formFields(_ body: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            fields[parts[0], default: []].append(parts.count > 1 ? parts[1] : "")
        }
        return fields
    }

    static func whereFilters(_ fields: [String: [String]]) -> [(column: String, operator: String, values: [String])] {
        var filters: [(String, String, [String])] = []
        var index = 0
        while let column = fields["whereFilters[\(index)][column]"]?.first {
            filters.append(
                (column, fields["whereFilters[\(index)][operator]"]?.first ?? "eq", fields["whereFilters[\(index)][values][]"] ?? []))
            index += 1
        }
        return filters
    }

    static func json(_ value: Any) throws -> Response {
        let bytes = try JSONSerialization.data(withJSONObject: value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: bytes)))
    }

    /// Compresses `path` into `path.gz` with the system's gzip.
    static func gzip(_ path: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-f", "-1", path]
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }

    struct Failure: Error {
        var status: Int
        var message: String
        init(_ status: Int, _ message: String) {
            self.status = status
            self.message = message
        }
    }
}
