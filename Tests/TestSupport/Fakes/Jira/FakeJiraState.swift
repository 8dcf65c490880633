import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// The fake Jira's data and behaviour, behind one lock.
final class FakeJiraState: Sendable {
    struct Store {
        var base = ""
        var email: String
        var token: String
        var timeZone: TimeZone
        var pageSize: Int
        var issues: [String: FakeJira.Issue] = [:]
        var redirectAttachments = true
        var failures: [(prefix: String, status: Int, count: Int)] = []
        var rateLimits: [(retryAfter: Int, count: Int)] = []
        var delay: Duration = .zero
        var paths: [String] = []
        /// Search pages handed out: token → (the matching keys when the search began, the next offset, fields, expand).
        var pages: [String: (keys: [String], offset: Int, fields: [String], expand: String)] = [:]
        /// The secret in the signed attachment URLs.
        let signature = UUID().uuidString
    }

    let data: Mutex<Store>

    init(email: String, token: String, timeZone: TimeZone, pageSize: Int) {
        data = Mutex(Store(email: email, token: token, timeZone: timeZone, pageSize: max(1, pageSize)))
    }

    struct Failure: Error {
        var status: Int
        var messages: [String]
        var headers: HTTPFields = [:]
    }

    // MARK: - Routes

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("rest/api/3/issue/:key") { request, context in
            let key = try context.parameters.require("key")
            return try await self.answer(request) { data in
                guard let issue = data.issues[key] else { throw FakeJiraState.notFound }
                let query = request.uri.queryParameters
                let fields = query.get("fields").map { $0.split(separator: ",").map(String.init) } ?? ["*all"]
                return self.json(issue, data, fields: fields, expand: query.get("expand") ?? "")
            }
        }
        router.get("rest/api/3/issue/:key/remotelink") { request, context in
            let key = try context.parameters.require("key")
            return try await self.answer(request) { data in
                guard let issue = data.issues[key] else { throw FakeJiraState.notFound }
                return issue.remoteLinks.map { link -> [String: Any] in
                    var object: [String: Any] = [
                        "id": link.id, "self": "\(data.base)/rest/api/3/issue/\(issue.key)/remotelink/\(link.id)",
                        "object": ["url": link.url, "title": link.title, "icon": [String: Any]()],
                    ]
                    if link.applicationName != nil || link.applicationType != nil {
                        object["application"] = ["name": link.applicationName as Any, "type": link.applicationType as Any]
                    }
                    return object
                }
            }
        }
        router.post("rest/api/3/search/jql") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let object = (try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))) as? [String: Any]
            return try await self.answer(request) { data in try self.search(object ?? [:], &data) }
        }
        router.get("rest/api/3/attachment/content/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await self.respond(request) { data in
                guard let attachment = FakeJiraState.attachment(id, data) else { throw FakeJiraState.attachmentNotFound }
                if data.redirectAttachments {
                    let filename = attachment.filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? attachment.filename
                    let location = attachment.redirectTo ?? "\(data.base)/secure/attachment/\(id)/\(filename)?token=\(data.signature)"
                    return Response(status: .seeOther, headers: [.location: location])
                }
                return FakeJiraState.bytes(attachment)
            }
        }
        // The signed URL a content request redirects to: the signature, not basic auth, grants access.
        router.get("secure/attachment/:id/:filename") { request, context in
            let id = try context.parameters.require("id")
            return try await self.respond(request, auth: false) { data in
                guard request.uri.queryParameters.get("token") == data.signature || self.authorized(request, data) else {
                    throw Failure(status: 401, messages: ["Client must be authenticated to access this resource."])
                }
                guard let attachment = FakeJiraState.attachment(id, data) else { throw FakeJiraState.attachmentNotFound }
                return FakeJiraState.bytes(attachment)
            }
        }
        router.get("rest/servicedeskapi/request/:key/sla") { request, context in
            let key = try context.parameters.require("key")
            return try await self.answer(request) { data in
                guard let issue = data.issues[key] else {
                    throw Failure(status: 404, messages: ["The request \(key) does not exist or you do not have permission to see it."])
                }
                let slas = [("Time to first response", issue.firstResponse), ("Time to resolution", issue.timeToResolution)]
                let values = slas.enumerated().compactMap { index, entry -> [String: Any]? in
                    guard let sla = entry.1 else { return nil }
                    return ["id": String(index + 1), "name": entry.0, "completedCycles": [Any](), "ongoingCycle": FakeJiraState.cycle(sla)]
                }
                return ["size": values.count, "start": 0, "limit": 50, "isLastPage": true, "values": values]
            }
        }
    }

    static let notFound = Failure(status: 404, messages: ["Issue does not exist or you do not have permission to see it."])
    static let attachmentNotFound = Failure(status: 404, messages: ["The attachment with id was not found."])

    static func attachment(_ id: String, _ data: Store) -> FakeJira.Attachment? {
        data.issues.values.lazy.flatMap(\.attachments).first { $0.id == id }
    }

    static func bytes(_ attachment: FakeJira.Attachment) -> Response {
        Response(
            status: .ok, headers: [.contentType: attachment.mimeType, .contentLength: String(attachment.bytes.count)],
            body: .init(byteBuffer: ByteBuffer(data: attachment.bytes)))
    }

    func authorized(_ request: Request, _ data: Store) -> Bool {
        request.headers[.authorization] == "Basic " + Data("\(data.email):\(data.token)".utf8).base64EncodedString()
    }

    /// `body`'s value as JSON, after the common checks.
    private func answer(_ request: Request, _ body: (inout Store) throws -> Any) async throws -> Response {
        try await respond(request) { data in try FakeJiraState.json(try body(&data)) }
    }

    /// Records the call, waits the delay, answers injected 429s and failures, checks basic auth, then runs `body`
    /// under the lock; a `Failure` becomes Jira's error body.
    private func respond(_ request: Request, auth: Bool = true, _ body: (inout Store) throws -> Response) async throws -> Response {
        let delay = data.withLock { data in
            data.paths.append(request.uri.path)
            return data.delay
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        do {
            return try data.withLock { data in
                if let index = data.rateLimits.firstIndex(where: { $0.count > 0 }) {
                    data.rateLimits[index].count -= 1
                    throw Failure(
                        status: 429, messages: ["Rate limit exceeded."], headers: [.retryAfter: String(data.rateLimits[index].retryAfter)])
                }
                if let index = data.failures.firstIndex(where: { request.uri.path.hasPrefix($0.prefix) && $0.count > 0 }) {
                    data.failures[index].count -= 1
                    throw Failure(status: data.failures[index].status, messages: ["Internal server error"])
                }
                if auth, !authorized(request, data) {
                    // No `WWW-Authenticate` header: Linux URLSession waits forever on a Basic challenge.
                    throw Failure(status: 401, messages: ["Client must be authenticated to access this resource."])
                }
                return try body(&data)
            }
        } catch let failure as Failure {
            var response = try FakeJiraState.json(["errorMessages": failure.messages, "errors": [String: Any]()])
            response.status = .init(code: failure.status)
            response.headers.append(contentsOf: failure.headers)
            return response
        }
    }

    static func json(_ value: Any) throws -> Response {
        let bytes = try JSONSerialization.data(withJSONObject: value)
        return Response(
            status: .ok, headers: [.contentType: "application/json;charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(data: bytes)))
    }

    // MARK: - Search

    private func search(_ body: [String: Any], _ data: inout Store) throws -> Any {
        let maxResults = min(max((body["maxResults"] as? Int) ?? 50, 1), data.pageSize)
        var keys: [String]
        var offset: Int
        var fields: [String]
        var expand: String
        if let token = body["nextPageToken"] as? String {
            guard let page = data.pages.removeValue(forKey: token) else {
                throw Failure(status: 400, messages: ["The provided next page token is invalid or expired."])
            }
            (keys, offset, fields, expand) = page
        } else {
            let jql = (body["jql"] as? String) ?? ""
            let query = try JQL(jql, timeZone: data.timeZone)
            keys = data.issues.values.filter(query.matches).sorted(by: query.ordered).map(\.key)
            offset = 0
            fields =
                (body["fields"] as? [String]) ?? (body["fields"] as? String).map { $0.split(separator: ",").map(String.init) } ?? ["id"]
            expand = (body["expand"] as? String) ?? ((body["expand"] as? [String])?.joined(separator: ",") ?? "")
        }
        let slice = keys[offset..<min(offset + maxResults, keys.count)]
        let issues = slice.compactMap { data.issues[$0] }.map { json($0, data, fields: fields, expand: expand) }
        var answer: [String: Any] = ["issues": issues]
        let next = offset + slice.count
        if next < keys.count {
            let token = Data(UUID().uuidString.utf8).base64EncodedString()
            data.pages[token] = (keys, next, fields, expand)
            answer["nextPageToken"] = token
            answer["isLast"] = false
        } else {
            answer["isLast"] = true
        }
        return answer
    }

    static func order(_ left: FakeJira.Issue, _ right: FakeJira.Issue) -> Bool {
        left.projectKey != right.projectKey ? left.projectKey < right.projectKey : (Int(left.id) ?? 0) < (Int(right.id) ?? 0)
    }

    /// The JQL the fake understands: clauses joined by AND, then an optional ORDER BY.
    struct JQL {
        enum Clause {
            case projects(Set<String>)
            case key(String)
            case updated(String, Date)
            case statusCategory(equal: Bool, String)
        }

        var clauses: [Clause] = []
        var orderField = "key"
        var ascending = true

        init(_ text: String, timeZone: TimeZone) throws {
            var text = text.trimmingCharacters(in: .whitespaces)
            let invalid = Failure(status: 400, messages: ["Error in the JQL Query: the fake cannot parse '\(text)'."])
            if let range = text.range(of: #"\s*\border\s+by\s+"#, options: [.regularExpression, .caseInsensitive]) {
                let order = text[range.upperBound...].split(separator: " ").map { $0.lowercased() }
                text = String(text[..<range.lowerBound])
                guard let field = order.first, ["updated", "created", "key"].contains(field), order.count <= 2 else { throw invalid }
                orderField = field
                if order.count == 2 {
                    guard ["asc", "desc"].contains(order[1]) else { throw invalid }
                    ascending = order[1] == "asc"
                }
            }
            guard !text.isEmpty else { return }
            for part in text.components(separatedBy: " AND ").flatMap({ $0.components(separatedBy: " and ") }) {
                guard let clause = JQL.clause(part.trimmingCharacters(in: .whitespaces), timeZone: timeZone) else { throw invalid }
                clauses.append(clause)
            }
        }

        static func clause(_ text: String, timeZone: TimeZone) -> Clause? {
            func groups(_ pattern: String) -> [String]? {
                guard let regex = try? NSRegularExpression(pattern: "^" + pattern + "$", options: .caseInsensitive),
                    let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
                else { return nil }
                return (1..<match.numberOfRanges).map { index in
                    Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
                }
            }
            if let group = groups(#"project\s*=\s*"?([A-Za-z0-9_]+)"?"#) { return .projects([group[0].uppercased()]) }
            if let group = groups(#"project\s+in\s*\(([^)]*)\)"#) {
                let keys = group[0].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")).uppercased() }
                return .projects(Set(keys))
            }
            if let group = groups(#"(?:key|issuekey)\s*=\s*"?([A-Za-z0-9_]+-[0-9]+)"?"#) { return .key(group[0].uppercased()) }
            if let group = groups(#"updated\s*(>=|>|<=|<)\s*"([0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2})?)""#) {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = timeZone
                formatter.dateFormat = group[1].count > 10 ? "yyyy-MM-dd HH:mm" : "yyyy-MM-dd"
                guard let date = formatter.date(from: group[1]) else { return nil }
                return .updated(group[0], date)
            }
            // Relative to now, as Jira allows: `updated >= -7d`, `-12h`, `-30m`, `-2w`.
            if let group = groups(#"updated\s*(>=|>|<=|<)\s*"?-([0-9]+)([mhdw])"?"#), let amount = Double(group[1]) {
                let unit: Double = ["m": 60, "h": 3600, "d": 86_400, "w": 604_800][group[2].lowercased()] ?? 86_400
                return .updated(group[0], Date().addingTimeInterval(-amount * unit))
            }
            if let group = groups(#"statusCategory\s*(=|!=)\s*"?(To Do|In Progress|Done)"?"#) {
                return .statusCategory(equal: group[0] == "=", group[1].lowercased())
            }
            return nil
        }

        func matches(_ issue: FakeJira.Issue) -> Bool {
            clauses.allSatisfy { clause in
                switch clause {
                case .projects(let keys): keys.contains(issue.projectKey.uppercased())
                case .key(let key): issue.key.uppercased() == key
                case .statusCategory(let equal, let name): (issue.statusCategory.lowercased() == name) == equal
                case .updated(let operation, let date):
                    // Jira compares at minute precision.
                    switch operation {
                    case ">=": issue.updated >= date
                    case ">": issue.updated >= date.addingTimeInterval(60)
                    case "<": issue.updated < date
                    default: issue.updated < date.addingTimeInterval(60)
                    }
                }
            }
        }

        func ordered(_ left: FakeJira.Issue, _ right: FakeJira.Issue) -> Bool {
            let (first, second) = ascending ? (left, right) : (right, left)
            switch orderField {
            case "updated" where first.updated != second.updated: return first.updated < second.updated
            case "created" where first.created != second.created: return first.created < second.created
            default: return FakeJiraState.order(first, second)
            }
        }
    }
}
