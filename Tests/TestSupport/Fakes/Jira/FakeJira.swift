import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A small Jira Cloud REST v3 server on 127.0.0.1 that speaks the wire protocol as Atlassian documents it:
///
/// - `GET /rest/api/3/issue/{key}?expand=renderedFields,changelog&fields=*all`: the issue with ADF description and
///   comments, attachments, issue links, the service-desk custom fields (`customfield_10004` severity, `10010`
///   request type, `10328` / `10161` SLAs …), `changelog.histories` and `renderedFields`; 404 for an unknown key.
/// - `GET /rest/api/3/issue/{key}/remotelink`.
/// - `POST /rest/api/3/search/jql` (`jql`, `fields`, `expand`, `nextPageToken`, `maxResults`): a tiny but honest JQL
///   (`project = X`, `project in (A, B)`, `key = K`, `updated >= "yyyy-MM-dd HH:mm"` (also `>`, `<`, `<=`, in the
///   fake's time zone) or relative (`updated >= -7d`, units m h d w), `statusCategory = / != Done`, joined by `AND`, `ORDER BY updated|created|key ASC|DESC`);
///   anything else answers 400 as Jira does. Pages by an opaque `nextPageToken`, `isLast`.
/// - `GET /rest/api/3/attachment/content/{id}`: the bytes, or (by default, as Jira Cloud does) a 303 to
///   `/secure/attachment/{id}/{filename}?token=…` on the fake's host, served without basic auth.
/// - `GET /rest/servicedeskapi/request/{key}/sla`.
///
/// Every call but the signed attachment URL needs basic auth `email:apiToken` (401 otherwise). Tests change the
/// issues (`put`, `delete`), make calls fail (`failNext`, `rateLimitNext`, `slowDown`), count them (`requests`) and
/// build webhook bodies (`webhookEvent`).
public final class FakeJira: Sendable {
    /// A Jira user as issues embed it.
    public struct User: Sendable, Equatable {
        public var accountID: String
        public var emailAddress: String?
        public var displayName: String

        public init(_ displayName: String, email: String?, accountID: String? = nil) {
            self.displayName = displayName
            self.emailAddress = email
            self.accountID = accountID ?? "557058:" + displayName.lowercased().replacingOccurrences(of: " ", with: "-")
        }

        public static let alice = User("Alice Analyst", email: "alice@example.com", accountID: "712020:alice")
        public static let bob = User("Bob Builder", email: "bob@example.com", accountID: "712020:bob")
    }

    /// A comment; `body` is plain text, sent as an ADF document.
    public struct Comment: Sendable {
        public var id: String
        public var author: User
        public var body: String
        public var created: Date
        public var updated: Date
        public var updateAuthor: User

        public init(
            id: String, author: User = .bob, body: String, created: Date = FakeJira.defaultDate, updated: Date? = nil,
            updateAuthor: User? = nil
        ) {
            self.id = id
            self.author = author
            self.body = body
            self.created = created
            self.updated = updated ?? created
            self.updateAuthor = updateAuthor ?? author
        }
    }

    /// An attachment with its bytes. `contentURL` replaces the `content` URL the issue shows (e.g. another host,
    /// for SSRF tests); `redirectTo` replaces the `Location` of the content endpoint's 303.
    public struct Attachment: Sendable {
        public var id: String
        public var filename: String
        public var mimeType: String
        public var bytes: Data
        public var created: Date
        public var author: User
        public var contentURL: String?
        public var redirectTo: String?

        public init(
            id: String, filename: String, mimeType: String = "text/plain", bytes: Data, created: Date = FakeJira.defaultDate,
            author: User = .alice, contentURL: String? = nil, redirectTo: String? = nil
        ) {
            self.id = id
            self.filename = filename
            self.mimeType = mimeType
            self.bytes = bytes
            self.created = created
            self.author = author
            self.contentURL = contentURL
            self.redirectTo = redirectTo
        }
    }

    /// A link to another issue; `outward` means this issue is the link's source (`outwardIssue` in the JSON).
    public struct Link: Sendable {
        public var id: String
        public var type: String
        public var inward: String
        public var outward: String
        public var isOutward: Bool
        public var key: String
        public var summary: String
        public var status: String
        public var priority: String

        public init(
            id: String, type: String = "Blocks", inward: String = "is blocked by", outward: String = "blocks", isOutward: Bool = true,
            key: String, summary: String = "Linked issue", status: String = "To Do", priority: String = "Medium"
        ) {
            self.id = id
            self.type = type
            self.inward = inward
            self.outward = outward
            self.isOutward = isOutward
            self.key = key
            self.summary = summary
            self.status = status
            self.priority = priority
        }
    }

    /// A remote (web) link.
    public struct RemoteLink: Sendable {
        public var id: Int
        public var url: String
        public var title: String
        public var applicationName: String?
        public var applicationType: String?

        public init(id: Int, url: String, title: String, applicationName: String? = nil, applicationType: String? = nil) {
            self.id = id
            self.url = url
            self.title = title
            self.applicationName = applicationName
            self.applicationType = applicationType
        }
    }

    /// One changelog history: who changed what when.
    public struct Change: Sendable {
        public struct Item: Sendable {
            public var field: String
            public var fieldtype: String
            public var from: String?
            public var to: String?

            public init(field: String, fieldtype: String = "jira", from: String?, to: String?) {
                self.field = field
                self.fieldtype = fieldtype
                self.from = from
                self.to = to
            }
        }

        public var id: String
        public var author: User
        public var created: Date
        public var items: [Item]

        public init(id: String, author: User = .alice, created: Date = FakeJira.defaultDate, items: [Item]) {
            self.id = id
            self.author = author
            self.created = created
            self.items = items
        }
    }

    /// A service-desk SLA's ongoing cycle.
    public struct SLA: Sendable {
        public var breached: Bool
        public var goalMillis: Int64
        public var elapsedMillis: Int64

        public init(breached: Bool = false, goalMillis: Int64, elapsedMillis: Int64) {
            self.breached = breached
            self.goalMillis = goalMillis
            self.elapsedMillis = elapsedMillis
        }
    }

    /// An issue, built with sensible defaults.
    public struct Issue: Sendable {
        public var key: String
        /// Numeric id; defaults to 10000 + the key's number.
        public var id: String
        public var summary: String
        /// Plain text (paragraphs split at newlines), sent as an ADF document; nil sends `null`.
        public var description: String?
        public var issueType: String
        public var status: String
        /// `To Do`, `In Progress` or `Done`.
        public var statusCategory: String
        public var priority: String?
        public var resolution: String?
        public var projectKey: String
        public var projectName: String
        public var creator: User
        public var reporter: User
        public var assignee: User?
        public var created: Date
        public var updated: Date
        public var resolved: Date?
        /// `yyyy-MM-dd`.
        public var dueDate: String?
        public var labels: [String]
        public var comments: [Comment]
        public var attachments: [Attachment]
        public var links: [Link]
        public var remoteLinks: [RemoteLink]
        public var changelog: [Change]
        /// `customfield_10004` `{value}`.
        public var severity: String?
        /// `customfield_10010` `{requestType{name}, currentStatus{status}}`.
        public var requestType: String?
        public var requestStatus: String?
        /// `customfield_10328` (time to first response) and `customfield_10161` (time to resolution).
        public var firstResponse: SLA?
        public var timeToResolution: SLA?
        /// Any other fields as raw JSON by id, e.g. `["customfield_10157": #"{"rating":4}"#]`; they override.
        public var customFields: [String: String]

        public init(
            key: String, id: String? = nil, summary: String = "An issue", description: String? = "Something is broken.",
            issueType: String = "Task", status: String = "To Do", statusCategory: String? = nil, priority: String? = "Medium",
            resolution: String? = nil, projectName: String? = nil, creator: User = .alice, reporter: User? = nil, assignee: User? = .bob,
            created: Date = FakeJira.defaultDate, updated: Date? = nil, resolved: Date? = nil, dueDate: String? = nil,
            labels: [String] = [],
            comments: [Comment] = [], attachments: [Attachment] = [], links: [Link] = [], remoteLinks: [RemoteLink] = [],
            changelog: [Change] = [], severity: String? = nil, requestType: String? = nil, requestStatus: String? = nil,
            firstResponse: SLA? = nil, timeToResolution: SLA? = nil, customFields: [String: String] = [:]
        ) {
            let project = key.split(separator: "-").first.map(String.init) ?? key
            self.key = key
            self.id = id ?? String(10000 + (Int(key.split(separator: "-").last ?? "") ?? 0))
            self.summary = summary
            self.description = description
            self.issueType = issueType
            self.status = status
            self.statusCategory = statusCategory ?? FakeJira.category(of: status)
            self.priority = priority
            self.resolution = resolution
            self.projectKey = project
            self.projectName = projectName ?? "Project \(project)"
            self.creator = creator
            self.reporter = reporter ?? creator
            self.assignee = assignee
            self.created = created
            self.updated = updated ?? created
            self.resolved = resolved
            self.dueDate = dueDate
            self.labels = labels
            self.comments = comments
            self.attachments = attachments
            self.links = links
            self.remoteLinks = remoteLinks
            self.changelog = changelog
            self.severity = severity
            self.requestType = requestType
            self.requestStatus = requestStatus
            self.firstResponse = firstResponse
            self.timeToResolution = timeToResolution
            self.customFields = customFields
        }
    }

    /// 2026-03-01T10:15:30.123+0100.
    public static let defaultDate = Date(timeIntervalSince1970: 1_772_356_530.123)

    static func category(of status: String) -> String {
        switch status.lowercased() {
        case "done", "closed", "resolved", "cancelled", "canceled": "Done"
        case "to do", "open", "backlog", "new", "waiting for support": "To Do"
        default: "In Progress"
        }
    }

    public let port: Int
    public let email: String
    public let token: String
    public var url: String { "http://127.0.0.1:\(port)" }
    /// The `Authorization` header value the fake accepts.
    public var authorization: String { "Basic " + Data("\(email):\(token)".utf8).base64EncodedString() }

    let state: FakeJiraState
    private let task: Task<Void, any Error>

    /// Starts the fake on a free port. It accepts only `email:token`; times are written and JQL times read in
    /// `timeZone` (default +01:00, so offsets are exercised); search pages hold at most `pageSize` issues.
    public static func start(
        email: String = "bot@example.com", token: String = "jira-token-\(UUID().uuidString)",
        timeZone: TimeZone = TimeZone(secondsFromGMT: 3600) ?? .current, pageSize: Int = 50
    ) async throws -> FakeJira {
        let state = FakeJiraState(email: email, token: token, timeZone: timeZone, pageSize: pageSize)
        let router = Router()
        state.addRoutes(to: router)
        let (port, task) = try await LocalHTTPServer.start(router, label: "fake-jira")
        state.data.withLock { $0.base = "http://127.0.0.1:\(port)" }
        return FakeJira(port: port, email: email, token: token, state: state, task: task)
    }

    private init(port: Int, email: String, token: String, state: FakeJiraState, task: Task<Void, any Error>) {
        self.port = port
        self.email = email
        self.token = token
        self.state = state
        self.task = task
    }

    /// Creates or replaces the issue with `issue.key`.
    public func put(issue: Issue) {
        state.data.withLock { $0.issues[issue.key] = issue }
    }

    /// Removes the issue (its URLs answer 404 from now on).
    public func delete(_ key: String) {
        _ = state.data.withLock { $0.issues.removeValue(forKey: key) }
    }

    public func issue(_ key: String) -> Issue? {
        state.data.withLock { $0.issues[key] }
    }

    /// Every issue, by key.
    public var allIssues: [Issue] {
        state.data.withLock { $0.issues.values.sorted { FakeJiraState.order($0, $1) } }
    }

    /// The most issues a search page holds (a larger `maxResults` is cut down to it, as Jira does).
    public func setPageSize(_ size: Int) {
        state.data.withLock { $0.pageSize = max(1, size) }
    }

    /// Attachment content answers the bytes directly (false) or a 303 to the signed URL (true, the default).
    public func redirectAttachments(_ redirect: Bool) {
        state.data.withLock { $0.redirectAttachments = redirect }
    }

    /// The next `count` requests whose path starts with `pathPrefix` (e.g. `/rest/api/3/search`) answer `status`.
    public func failNext(_ count: Int, pathPrefix: String, status: Int) {
        state.data.withLock { $0.failures.append((pathPrefix, status, count)) }
    }

    /// The next `count` requests answer 429 with `Retry-After: retryAfter` (seconds).
    public func rateLimitNext(_ count: Int, retryAfter: Int) {
        state.data.withLock { $0.rateLimits.append((retryAfter, count)) }
    }

    /// Every answer waits `duration` first (`.zero` to stop).
    public func slowDown(_ duration: Duration) {
        state.data.withLock { $0.delay = duration }
    }

    /// How many requests (any method, answered or refused) had a path starting with `pathPrefix`.
    public func requests(pathPrefix: String) -> Int {
        state.data.withLock { data in data.paths.filter { $0.hasPrefix(pathPrefix) }.count }
    }

    /// A webhook body as Jira Cloud posts it: `timestamp`, `webhookEvent` (`jira:issue_created`,
    /// `jira:issue_updated`, `jira:issue_deleted`, `comment_created` …), `user`, the embedded `issue` (without
    /// changelog or rendered fields; just `id`, `key`, `self` for an unknown key), the last changelog entry for
    /// `jira:issue_updated` and the last comment for `comment_*` events.
    public func webhookEvent(_ name: String, key: String) -> Data {
        state.webhookEvent(name, key: key)
    }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}
