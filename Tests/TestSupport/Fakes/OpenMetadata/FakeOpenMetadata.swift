import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A small OpenMetadata server on 127.0.0.1 speaking the real wire protocol of the endpoints the catalog enrichment
/// uses: `GET /api/v1/tables/name/{fqn}?fields=…` (404 `{"code","message"}` for an unknown name; columns, tags and
/// owners only when `fields` asks for them) and `GET /api/v1/metrics?limit=&after=&fields=` (pages of
/// `{"data", "paging": {"after", "total"}}`), behind `Authorization: Bearer <token>` (401 otherwise).
///
/// Tests add tables and metrics, switch the fake to answer 500 or to answer slowly (an outage), stop it (connection
/// refused) and count the requests it received.
public final class FakeOpenMetadata: Sendable {
    /// A table entity.
    public struct Table: Sendable {
        public var fqn: String
        public var description: String?
        /// (name, dataType, description, tag FQNs).
        public var columns: [(name: String, type: String, description: String?, tags: [String])]
        public var tags: [String]
        public var owners: [String]

        public init(
            fqn: String, description: String? = nil,
            columns: [(name: String, type: String, description: String?, tags: [String])] = [], tags: [String] = [],
            owners: [String] = []
        ) {
            self.fqn = fqn
            self.description = description
            self.columns = columns
            self.tags = tags
            self.owners = owners
        }
    }

    /// A metric entity.
    public struct Metric: Sendable {
        public var name: String
        public var displayName: String?
        public var description: String?
        public var expression: String?
        public var metricType: String?
        public var unit: String?
        public var granularity: String?
        public var tags: [String]
        public var owners: [String]

        public init(
            name: String, displayName: String? = nil, description: String? = nil, expression: String? = nil,
            metricType: String? = nil, unit: String? = nil, granularity: String? = nil, tags: [String] = [],
            owners: [String] = []
        ) {
            self.name = name
            self.displayName = displayName
            self.description = description
            self.expression = expression
            self.metricType = metricType
            self.unit = unit
            self.granularity = granularity
            self.tags = tags
            self.owners = owners
        }
    }

    /// How the fake answers.
    public enum Mode: Sendable, Equatable {
        case normal
        /// Every request answers this status (e.g. 500, 503).
        case failing(status: Int)
        /// Every request waits this long before answering normally (or until the mode changes).
        case slow(Duration)
    }

    /// The fake's data and behaviour, behind one lock (a class, so the routes can share it).
    final class State: Sendable {
        let store: Mutex<Store>
        init(token: String) { store = Mutex(Store(token: token)) }
    }

    struct Store {
        var token: String
        var tables: [String: Table] = [:]
        var metrics: [Metric] = []
        var mode: Mode = .normal
        var requests: [String] = []
    }

    public let port: Int
    public let token: String
    public var url: String { "http://127.0.0.1:\(port)" }

    let state: State
    private let task: Task<Void, any Error>

    /// Starts the fake on a free port; `token` is the only token it accepts.
    public static func start(token: String = "om-test-token-\(UUID().uuidString)") async throws -> FakeOpenMetadata {
        let state = State(token: token)
        let router = Router()
        FakeOpenMetadata.addRoutes(to: router, state: state)
        let (port, task) = try await LocalHTTPServer.start(router, label: "fake-openmetadata")
        return FakeOpenMetadata(port: port, token: token, state: state, task: task)
    }

    private init(port: Int, token: String, state: State, task: Task<Void, any Error>) {
        self.port = port
        self.token = token
        self.state = state
        self.task = task
    }

    /// Adds or replaces a table entity.
    public func put(_ table: Table) {
        state.store.withLock { $0.tables[table.fqn] = table }
    }

    /// Removes the table entity named `fqn` (it answers 404 from now on).
    public func remove(table fqn: String) {
        state.store.withLock { _ = $0.tables.removeValue(forKey: fqn) }
    }

    /// Replaces the metric list.
    public func setMetrics(_ metrics: [Metric]) {
        state.store.withLock { $0.metrics = metrics }
    }

    public func setMode(_ mode: Mode) {
        state.store.withLock { $0.mode = mode }
    }

    /// The paths (with query) of every request received so far, authorised or not.
    public var requests: [String] { state.store.withLock { $0.requests } }

    public func stop() async {
        setMode(.normal)
        task.cancel()
        _ = await task.result
    }

    // MARK: - Wire protocol

    static func addRoutes(to router: Router<BasicRequestContext>, state: State) {
        router.get("api/v1/tables/name/:fqn") { request, context in
            let raw = try context.parameters.require("fqn")
            let fqn = raw.removingPercentEncoding ?? raw
            return try await answer(request, state: state) { data in
                guard let table = data.tables[fqn] else { throw Failure(404, "table instance for \(fqn) not found") }
                return describe(table, fields: fields(request))
            }
        }
        router.get("api/v1/metrics") { request, _ in
            try await answer(request, state: state) { data in
                let limit = min(max(Int(request.uri.queryParameters["limit"].map(String.init) ?? "") ?? 10, 1), 1_000_000)
                let offset =
                    request.uri.queryParameters["after"].flatMap { Data(base64Encoded: String($0)) }
                    .flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
                let page = data.metrics.dropFirst(offset).prefix(limit)
                var paging: [String: Any] = ["total": data.metrics.count]
                if offset + page.count < data.metrics.count {
                    paging["after"] = Data(String(offset + page.count).utf8).base64EncodedString()
                }
                if offset > 0 { paging["before"] = Data(String(max(offset - limit, 0)).utf8).base64EncodedString() }
                let wanted = fields(request)
                return ["data": page.map { describe($0, fields: wanted) }, "paging": paging]
            }
        }
    }

    private static func fields(_ request: Request) -> Set<String> {
        Set((request.uri.queryParameters["fields"].map(String.init) ?? "").split(separator: ",").map(String.init))
    }

    private static func answer(
        _ request: Request, state: State, _ body: @Sendable (Store) throws -> Any
    ) async throws -> Response {
        let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let (mode, data) = state.store.withLock { data in
            data.requests.append(path)
            return (data.mode, data)
        }
        if case .slow(let delay) = mode {
            // In small steps, so switching the mode back (or stopping the fake) ends the wait at once.
            let end = ContinuousClock.now + delay
            while ContinuousClock.now < end, case .slow = state.store.withLock({ $0.mode }) {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        do {
            if case .failing(let status) = mode { throw Failure(status, "Internal Server Error") }
            guard request.headers[.authorization] == "Bearer \(data.token)" else {
                throw Failure(401, "Not Authorized! Token not present or invalid")
            }
            return try json(try body(data), status: .ok)
        } catch let failure as Failure {
            return try json(["code": failure.status, "message": failure.message], status: .init(code: failure.status))
        }
    }

    private static func describe(_ table: Table, fields: Set<String>) -> [String: Any] {
        let name = table.fqn.split(separator: ".").last.map(String.init) ?? table.fqn
        var entity: [String: Any] = [
            "id": uuid(table.fqn), "name": name, "fullyQualifiedName": table.fqn, "tableType": "Regular", "version": 0.1,
            "href": "http://localhost/api/v1/tables/\(uuid(table.fqn))", "deleted": false,
        ]
        if let description = table.description { entity["description"] = description }
        if fields.contains("columns") {
            entity["columns"] = table.columns.enumerated().map { index, column -> [String: Any] in
                var entry: [String: Any] = [
                    "name": column.name, "dataType": column.type, "dataTypeDisplay": column.type.lowercased(),
                    "fullyQualifiedName": "\(table.fqn).\(column.name)", "ordinalPosition": index + 1,
                    "tags": column.tags.map(tagLabel),
                ]
                if let description = column.description { entry["description"] = description }
                return entry
            }
        }
        if fields.contains("tags") { entity["tags"] = table.tags.map(tagLabel) }
        if fields.contains("owners") { entity["owners"] = table.owners.map(owner) }
        return entity
    }

    private static func describe(_ metric: Metric, fields: Set<String>) -> [String: Any] {
        var entity: [String: Any] = [
            "id": uuid(metric.name), "name": metric.name, "fullyQualifiedName": metric.name, "version": 0.1, "deleted": false,
        ]
        if let displayName = metric.displayName { entity["displayName"] = displayName }
        if let description = metric.description { entity["description"] = description }
        if let expression = metric.expression { entity["metricExpression"] = ["language": "SQL", "code": expression] }
        if let metricType = metric.metricType { entity["metricType"] = metricType }
        if let unit = metric.unit { entity["unitOfMeasurement"] = unit }
        if let granularity = metric.granularity { entity["granularity"] = granularity }
        if fields.contains("tags") { entity["tags"] = metric.tags.map(tagLabel) }
        if fields.contains("owners") { entity["owners"] = metric.owners.map(owner) }
        return entity
    }

    private static func tagLabel(_ fqn: String) -> [String: Any] {
        [
            "tagFQN": fqn, "name": fqn.split(separator: ".").last.map(String.init) ?? fqn,
            "source": fqn.hasPrefix("Glossary") ? "Glossary" : "Classification", "labelType": "Manual", "state": "Confirmed",
        ]
    }

    private static func owner(_ name: String) -> [String: Any] {
        [
            "id": uuid(name), "type": name.hasSuffix("team") ? "team" : "user", "name": name, "fullyQualifiedName": name,
            "displayName": name.replacingOccurrences(of: ".", with: " ").capitalized, "deleted": false,
        ]
    }

    /// A stable UUID-shaped id for a name.
    private static func uuid(_ name: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        let hex = String(format: "%016llx%016llx", hash, hash ^ 0x9E37_79B9_7F4A_7C15)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    private static func json(_ value: Any, status: HTTPResponse.Status) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
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
