import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging
import Synchronization
import _CryptoExtras

/// A small BigQuery REST API and Google token endpoint on 127.0.0.1 that speak the real wire protocol:
///
/// - `POST /token`: the JWT-bearer grant; the RS256 assertion is verified against the service account's public key,
///   with its issuer, audience and scope; answers an access token with `expires_in`.
/// - `POST /bigquery/v2/projects/{p}/queries` and `GET …/queries/{jobId}`: `jobs.query` and `getQueryResults` with
///   `jobComplete: false` on demand, pages by `pageToken`, rows as `{"f":[{"v":…}]}`, the Bearer token checked.
/// - `GET …/datasets`, `…/datasets/{d}/tables`, `…/datasets/{d}/tables/{t}` for discovery.
///
/// Its SQL is tiny but honest: `SELECT * FROM \`p.d.t\`` optionally followed by `WHERE \`col\` > <literal>` (an
/// integer, `TIMESTAMP_MICROS(n)` or `CAST('…' AS TYPE)`), which really filters. Tests inject errors and read what
/// was asked.
public final class FakeBigQuery: Sendable {
    /// A column of a fake table.
    public struct Field: Sendable {
        public var name: String
        public var type: String
        public var mode: String
        public var fields: [Field]

        public init(_ name: String, _ type: String, mode: String = "NULLABLE", fields: [Field] = []) {
            self.name = name
            self.type = type
            self.mode = mode
            self.fields = fields
        }

        var json: [String: Any] {
            var object: [String: Any] = ["name": name, "type": type, "mode": mode]
            if !fields.isEmpty { object["fields"] = fields.map(\.json) }
            return object
        }
    }

    /// A value as BigQuery sends it: text, a list or a record.
    public indirect enum Cell: Sendable, Equatable {
        case null
        case text(String)
        case list([Cell])
        case record([Cell])

        var json: Any {
            switch self {
            case .null: NSNull()
            case .text(let text): text
            case .list(let cells): cells.map { ["v": $0.json] }
            case .record(let cells): ["f": cells.map { ["v": $0.json] }]
            }
        }
    }

    /// An error BigQuery answers: HTTP status, `errors[0].reason` and message.
    public struct Failure: Error, Sendable {
        public var status: Int
        public var reason: String
        public var message: String

        public init(_ status: Int, _ reason: String, _ message: String) {
            self.status = status
            self.reason = reason
            self.message = message
        }

        public static let quota = Failure(403, "quotaExceeded", "Quota exceeded: Your project exceeded quota for free query bytes scanned")
        public static let denied = Failure(
            403, "accessDenied", "Access Denied: Table test-project:secret.salaries: User does not have permission to query table")
        public static let backend = Failure(503, "backendError", "The service is currently unavailable")
    }

    public let port: Int
    public let project: String
    /// The service account the fake trusts.
    public let clientEmail: String
    public var url: String { "http://127.0.0.1:\(port)" }
    public var tokenURL: String { url + "/token" }

    let state: FakeBigQueryState
    private let task: Task<Void, any Error>

    /// Starts the fake on a free port with a new RSA key for its service account.
    public static func start(project: String = "test-project") async throws -> FakeBigQuery {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let clientEmail = "analyst-reader@\(project).iam.gserviceaccount.com"
        let keys = await JWTKeyCollection().add(rsa: try Insecure.RSA.PublicKey(backing: key.publicKey), digestAlgorithm: .sha256)
        let state = FakeBigQueryState(
            project: project, clientEmail: clientEmail, privateKeyPEM: key.pkcs8PEMRepresentation, verifier: keys)
        let router = Router()
        state.addRoutes(to: router)
        let (port, task) = try await LocalHTTPServer.start(router, label: "fake-bigquery")
        state.setBase("http://127.0.0.1:\(port)")
        return FakeBigQuery(port: port, project: project, clientEmail: clientEmail, state: state, task: task)
    }

    private init(port: Int, project: String, clientEmail: String, state: FakeBigQueryState, task: Task<Void, any Error>) {
        self.port = port
        self.project = project
        self.clientEmail = clientEmail
        self.state = state
        self.task = task
    }

    /// The service account's private key (PKCS#8 PEM, as Google issues it), to look for in logs and messages.
    public var privateKeyPEM: String { state.privateKeyPEM }

    /// Writes a service-account key file (as Google's console downloads it) pointing at this fake's token endpoint;
    /// returns its path.
    public func writeKeyFile(in directory: String) throws -> String {
        let object: [String: Any] = [
            "type": "service_account", "project_id": project, "private_key_id": "fake-key-id-1",
            "private_key": privateKeyPEM, "client_email": clientEmail, "client_id": "1234567890",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": tokenURL,
        ]
        let path = directory + "/service-account.json"
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Creates or replaces table `dataset.name`.
    public func createTable(dataset: String, name: String, fields: [Field], rows: [[Cell]], description: String? = nil) {
        state.createTable(dataset: dataset, name: name, fields: fields, rows: rows, description: description)
    }

    /// Replaces rows whose column `key` matches, appends the others.
    public func put(dataset: String, name: String, key: String, rows: [[Cell]]) {
        state.put(dataset: dataset, name: name, key: key, rows: rows)
    }

    /// Rows per result page (the smaller of this and the client's `maxResults`).
    public func setPageSize(_ rows: Int) { state.change { $0.pageSize = rows } }
    /// Whether `jobs.query` first answers `jobComplete: false` (the next `getQueryResults` completes the job).
    public func setSlowJobs(_ slow: Bool) { state.change { $0.slowJobs = slow } }
    /// The `expires_in` of issued tokens.
    public func setTokenLifetime(seconds: Int) { state.change { $0.tokenLifetime = seconds } }
    /// Tokens issued so far stop working (answer 401).
    public func revokeTokens() { state.change { $0.validTokens.removeAll() } }
    /// The next `count` query calls (`jobs.query` or `getQueryResults`) answer `failure`.
    public func failNext(_ count: Int, with failure: Failure) { state.change { $0.failures.append((failure, count)) } }
    /// Every query on `dataset.name` answers `failure`.
    public func refuse(dataset: String, name: String, with failure: Failure) {
        state.change { $0.refused["\(dataset).\(name)"] = failure }
    }

    /// How many times `/token` issued a token.
    public var tokenRequests: Int { state.read { $0.tokenRequests } }
    /// Every access token issued.
    public var issuedTokens: [String] { state.read { $0.issued } }
    /// Every `jobs.query` SQL text, in order.
    public var queries: [String] { state.read { $0.queries } }
    /// Every `getQueryResults` call's query parameters.
    public var resultCalls: [[String: String]] { state.read { $0.resultCalls } }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// The assertion's claims as the fake checks them.
struct FakeBigQueryAssertion: JWTPayload {
    var iss: IssuerClaim
    var scope: String
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// The fake's data and behaviour, behind one lock.
final class FakeBigQueryState: Sendable {
    struct Table {
        var fields: [FakeBigQuery.Field]
        var rows: [[FakeBigQuery.Cell]]
        var description: String?
    }

    struct Job {
        var fields: [FakeBigQuery.Field]
        var rows: [[FakeBigQuery.Cell]]
        var pending: Bool
    }

    struct Store {
        var base = ""
        var tables: [String: Table] = [:]
        var jobs: [String: Job] = [:]
        var pageSize = 1000
        var slowJobs = false
        var tokenLifetime = 3600
        var validTokens: Set<String> = []
        var issued: [String] = []
        var tokenRequests = 0
        var failures: [(FakeBigQuery.Failure, Int)] = []
        var refused: [String: FakeBigQuery.Failure] = [:]
        var queries: [String] = []
        var resultCalls: [[String: String]] = []
        var nextJob = 1
    }

    let project: String
    let clientEmail: String
    let privateKeyPEM: String
    let verifier: JWTKeyCollection
    private let data = Mutex(Store())

    init(project: String, clientEmail: String, privateKeyPEM: String, verifier: JWTKeyCollection) {
        self.project = project
        self.clientEmail = clientEmail
        self.privateKeyPEM = privateKeyPEM
        self.verifier = verifier
    }

    func setBase(_ base: String) { data.withLock { $0.base = base } }
    func change(_ body: (inout Store) -> Void) { data.withLock { body(&$0) } }
    func read<T>(_ body: (Store) -> T) -> T { data.withLock { body($0) } }

    func createTable(dataset: String, name: String, fields: [FakeBigQuery.Field], rows: [[FakeBigQuery.Cell]], description: String?) {
        data.withLock { $0.tables["\(dataset).\(name)"] = Table(fields: fields, rows: rows, description: description) }
    }

    func put(dataset: String, name: String, key: String, rows: [[FakeBigQuery.Cell]]) {
        data.withLock { data in
            guard var table = data.tables["\(dataset).\(name)"], let index = table.fields.firstIndex(where: { $0.name == key }) else {
                return
            }
            for row in rows {
                if let existing = table.rows.firstIndex(where: { $0[index] == row[index] }) {
                    table.rows[existing] = row
                } else {
                    table.rows.append(row)
                }
            }
            data.tables["\(dataset).\(name)"] = table
        }
    }

    // MARK: - Routes

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("token") { request, _ in try await self.token(request) }
        let api = router.group("bigquery/v2/projects/:project")
        api.post("queries") { request, context in
            try await self.answer(request, context) { try await self.startQuery(request) }
        }
        api.get("queries/:job") { request, context in
            let job = try context.parameters.require("job")
            return try await self.answer(request, context) { try self.results(job: job, request: request) }
        }
        api.get("datasets") { request, context in
            try await self.answer(request, context, injectable: false) {
                self.data.withLock { data in
                    let names = Set(data.tables.keys.compactMap { $0.split(separator: ".").first.map(String.init) })
                    return ["datasets": names.sorted().map { ["datasetReference": ["datasetId": $0, "projectId": self.project]] }]
                }
            }
        }
        api.get("datasets/:dataset/tables") { request, context in
            let dataset = try context.parameters.require("dataset")
            return try await self.answer(request, context, injectable: false) {
                self.data.withLock { data in
                    let names = data.tables.keys.filter { $0.hasPrefix(dataset + ".") }.map { String($0.dropFirst(dataset.count + 1)) }
                    return [
                        "tables": names.sorted().map {
                            ["tableReference": ["projectId": self.project, "datasetId": dataset, "tableId": $0], "type": "TABLE"]
                        }
                    ]
                }
            }
        }
        api.get("datasets/:dataset/tables/:table") { request, context in
            let id = "\(try context.parameters.require("dataset")).\(try context.parameters.require("table"))"
            return try await self.answer(request, context, injectable: false) {
                try self.data.withLock { data in
                    guard let table = data.tables[id] else { throw FakeBigQuery.Failure(404, "notFound", "Not found: Table \(id)") }
                    var object: [String: Any] = [
                        "schema": ["fields": table.fields.map(\.json)], "numRows": String(table.rows.count), "numBytes": "1024",
                        "lastModifiedTime": "1700000000000",
                    ]
                    if let description = table.description { object["description"] = description }
                    return object
                }
            }
        }
    }

    /// The JWT-bearer grant: checks the form, the assertion's signature, issuer, audience and scope.
    private func token(_ request: Request) async throws -> Response {
        let text = String(buffer: try await request.body.collect(upTo: 65_536))
        var form: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            form[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        func refuse(_ error: String, _ description: String) throws -> Response {
            var response = try FakeBigQueryState.json(["error": error, "error_description": description])
            response.status = .badRequest
            return response
        }
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer", let assertion = form["assertion"] else {
            return try refuse("unsupported_grant_type", "Invalid grant_type")
        }
        let claims: FakeBigQueryAssertion
        do {
            claims = try await verifier.verify(assertion, as: FakeBigQueryAssertion.self)
        } catch {
            return try refuse("invalid_grant", "Invalid JWT Signature.")
        }
        let base = data.withLock { $0.base }
        guard claims.iss.value == clientEmail, claims.aud.value == [base + "/token"],
            claims.scope.split(separator: " ").contains(where: { $0.hasPrefix("https://www.googleapis.com/auth/bigquery") })
        else {
            return try refuse("invalid_grant", "Invalid JWT: issuer, audience or scope")
        }
        let (token, lifetime) = data.withLock { data in
            data.tokenRequests += 1
            let token = "ya29.fake-\(UUID().uuidString)"
            data.validTokens.insert(token)
            data.issued.append(token)
            return (token, data.tokenLifetime)
        }
        return try FakeBigQueryState.json(["access_token": token, "expires_in": lifetime, "token_type": "Bearer"])
    }

    /// Checks the Bearer token and injected failures, then answers `body`'s object as JSON or BigQuery's error.
    private func answer(
        _ request: Request, _ context: BasicRequestContext, injectable: Bool = true, _ body: () async throws -> Any
    ) async throws -> Response {
        do {
            let bearer = request.headers[.authorization] ?? ""
            try data.withLock { data in
                guard bearer.hasPrefix("Bearer "), data.validTokens.contains(String(bearer.dropFirst(7))) else {
                    throw FakeBigQuery.Failure(401, "authError", "Request had invalid authentication credentials.")
                }
                if injectable, let index = data.failures.firstIndex(where: { $0.1 > 0 }) {
                    data.failures[index].1 -= 1
                    throw data.failures[index].0
                }
            }
            guard try context.parameters.require("project") == project else {
                throw FakeBigQuery.Failure(404, "notFound", "Not found: Project")
            }
            return try FakeBigQueryState.json(try await body())
        } catch let failure as FakeBigQuery.Failure {
            let status =
                switch failure.status {
                case 400: "INVALID_ARGUMENT"
                case 401: "UNAUTHENTICATED"
                case 403: "PERMISSION_DENIED"
                case 404: "NOT_FOUND"
                default: "UNAVAILABLE"
                }
            var response = try FakeBigQueryState.json([
                "error": [
                    "code": failure.status, "message": failure.message, "status": status,
                    "errors": [["message": failure.message, "domain": "global", "reason": failure.reason]],
                ]
            ])
            response.status = .init(code: failure.status)
            return response
        }
    }

    private func startQuery(_ request: Request) async throws -> Any {
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let sql = object["query"] as? String
        else {
            throw FakeBigQuery.Failure(400, "invalid", "Required parameter is missing: query")
        }
        guard object["useLegacySql"] as? Bool == false else {
            throw FakeBigQuery.Failure(400, "invalidQuery", "the fake speaks standard SQL only")
        }
        let maxResults = object["maxResults"] as? Int
        let int64Timestamps = (object["formatOptions"] as? [String: Any])?["useInt64Timestamp"] as? Bool ?? false
        guard int64Timestamps else { throw FakeBigQuery.Failure(400, "invalid", "the fake answers int64 timestamps only") }
        return try data.withLock { data in
            data.queries.append(sql)
            let (fields, rows) = try FakeBigQueryState.run(sql, project: project, data: data)
            data.nextJob += 1
            let id = "job_fake_\(data.nextJob)"
            data.jobs[id] = Job(fields: fields, rows: rows, pending: data.slowJobs)
            return page(of: id, offset: 0, maxResults: maxResults, data: &data)
        }
    }

    private func results(job id: String, request: Request) throws -> Any {
        let query = Dictionary(
            request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
        return try data.withLock { data in
            data.resultCalls.append(query)
            guard data.jobs[id] != nil else { throw FakeBigQuery.Failure(404, "notFound", "Not found: Job \(project):\(id)") }
            guard query["location"] == "EU" else { throw FakeBigQuery.Failure(404, "notFound", "Not found: Job in location") }
            let offset = query["pageToken"].map { token -> Int in Int(token.dropFirst("page-".count)) ?? -1 } ?? 0
            guard offset >= 0 else { throw FakeBigQuery.Failure(400, "invalid", "Invalid page token") }
            return page(of: id, offset: offset, maxResults: query["maxResults"].flatMap { Int($0) }, data: &data)
        }
    }

    /// One page of a job's rows (or "not complete yet").
    private func page(of id: String, offset: Int, maxResults: Int?, data: inout Store) -> Any {
        guard var job = data.jobs[id] else { return [:] as [String: Any] }
        var object: [String: Any] = [
            "kind": "bigquery#queryResponse",
            "jobReference": ["projectId": project, "jobId": id, "location": "EU"],
        ]
        if job.pending {
            job.pending = false
            data.jobs[id] = job
            object["jobComplete"] = false
            return object
        }
        let size = max(1, min(maxResults ?? data.pageSize, data.pageSize))
        let slice = job.rows.dropFirst(offset).prefix(size)
        object["jobComplete"] = true
        object["schema"] = ["fields": job.fields.map(\.json)]
        object["totalRows"] = String(job.rows.count)
        object["rows"] = slice.map { row in ["f": row.map { ["v": $0.json] }] }
        if offset + slice.count < job.rows.count { object["pageToken"] = "page-\(offset + slice.count)" }
        return object
    }

    // MARK: - The tiny SQL

    /// Runs `SELECT * FROM \`p.d.t\` [WHERE \`col\` > literal]`.
    static func run(_ sql: String, project: String, data: Store) throws -> ([FakeBigQuery.Field], [[FakeBigQuery.Cell]]) {
        let pattern = #"^\s*SELECT \* FROM `([^`]+)`(?: WHERE `([^`]+)` > (.+))?\s*$"#
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
            let match = regex.firstMatch(in: sql, range: NSRange(sql.startIndex..., in: sql))
        else {
            throw FakeBigQuery.Failure(400, "invalidQuery", "Syntax error: Unexpected identifier at [1:1]")
        }
        func group(_ index: Int) -> String? {
            Range(match.range(at: index), in: sql).map { String(sql[$0]) }
        }
        let path = (group(1) ?? "").split(separator: ".").map(String.init)
        guard path.count == 3, path[0] == project else {
            throw FakeBigQuery.Failure(404, "notFound", "Not found: Dataset \(path.first ?? "")")
        }
        if let refusal = data.refused["\(path[1]).\(path[2])"] { throw refusal }
        guard let table = data.tables["\(path[1]).\(path[2])"] else {
            throw FakeBigQuery.Failure(404, "notFound", "Not found: Table \(project):\(path[1]).\(path[2]) was not found in location EU")
        }
        guard let column = group(2), let literal = group(3) else { return (table.fields, table.rows) }
        guard let index = table.fields.firstIndex(where: { $0.name.lowercased() == column.lowercased() }) else {
            throw FakeBigQuery.Failure(400, "invalidQuery", "Unrecognized name: \(column) at [1:40]")
        }
        let bound = try parseLiteral(literal)
        let type = table.fields[index].type
        let rows = table.rows.filter { row in
            guard case .text(let value) = row[index] else { return false }
            switch type {
            case "INT64", "INTEGER", "TIMESTAMP":
                return (Int64(value) ?? .min) > (Int64(bound) ?? .max)
            case "NUMERIC", "FLOAT64", "FLOAT":
                return (Decimal(string: value) ?? 0) > (Decimal(string: bound) ?? 0)
            case "DATETIME":
                return value.replacingOccurrences(of: "T", with: " ") > bound
            default:
                return value > bound
            }
        }
        return (table.fields, rows)
    }

    /// An integer, `TIMESTAMP_MICROS(n)` or `CAST('text' AS TYPE)`: the bound as text.
    static func parseLiteral(_ literal: String) throws -> String {
        let text = literal.trimmingCharacters(in: .whitespaces)
        if text.allSatisfy({ $0.isNumber || $0 == "-" }) { return text }
        if text.hasPrefix("TIMESTAMP_MICROS("), text.hasSuffix(")") {
            return String(text.dropFirst("TIMESTAMP_MICROS(".count).dropLast())
        }
        if text.hasPrefix("CAST('"), let end = text.range(of: "' AS ", options: .backwards) {
            return String(text[text.index(text.startIndex, offsetBy: 6)..<end.lowerBound])
                .replacingOccurrences(of: "\\'", with: "'").replacingOccurrences(of: "\\\\", with: "\\")
        }
        throw FakeBigQuery.Failure(400, "invalidQuery", "Syntax error: Unexpected \(text)")
    }

    static func json(_ value: Any) throws -> Response {
        let bytes = try JSONSerialization.data(withJSONObject: value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: bytes)))
    }
}
