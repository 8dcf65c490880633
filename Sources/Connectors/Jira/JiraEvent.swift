import Foundation

/// A queued event, read: which issue it is about and what it carries.
///
/// Webhooks from Jira (`jira:issue_created`, `jira:issue_updated`, `jira:issue_deleted`, `comment_*`, …) embed the
/// issue; `da:snapshot` events, queued by `da-server jira backfill`, carry an issue as Jira's API returned it with
/// its remote links and SLAs, so it is applied without fetching it again.
public struct JiraEvent: Sendable, Equatable {
    /// The event name Backfill snapshots carry.
    public static let snapshotName = "da:snapshot"

    public var name: String
    /// `issue.key`, else `issue_key`; not validated.
    public var key: String?
    /// The issue embedded in the event (`nil` when it carries only a key).
    public var issue: Data?
    /// A snapshot's remote links (JSON array) and SLAs (service-desk answer).
    public var remoteLinks: Data?
    public var slas: Data?

    /// Only the deletion of the issue itself removes it (the reference treated any event whose name contains
    /// "deleted", such as `comment_deleted`, as the issue's deletion).
    public var deletesIssue: Bool { name == "jira:issue_deleted" || name == "issue_deleted" }
    public var isSnapshot: Bool { name == JiraEvent.snapshotName }

    /// The event in `body`; `nil` when it is not a JSON object.
    public init?(_ body: Data) {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        let issue = object["issue"] as? [String: Any]
        name = object["webhookEvent"] as? String ?? ""
        key = issue?["key"] as? String ?? object["issue_key"] as? String
        // Only an issue with fields can stand in for a fetch.
        if let issue, let fields = issue["fields"] as? [String: Any], !fields.isEmpty {
            self.issue = try? JSONSerialization.data(withJSONObject: issue)
        }
        remoteLinks = (object["remote_links"] as? [Any]).flatMap { try? JSONSerialization.data(withJSONObject: $0) }
        slas = (object["slas"] as? [String: Any]).flatMap { try? JSONSerialization.data(withJSONObject: $0) }
    }

    /// A snapshot event's body.
    public static func snapshot(issue: Data, remoteLinks: Data?, slas: Data?) -> Data {
        var body: [String: Any] = ["webhookEvent": snapshotName]
        body["issue"] = try? JSONSerialization.jsonObject(with: issue)
        body["remote_links"] = remoteLinks.flatMap { try? JSONSerialization.jsonObject(with: $0) }
        body["slas"] = slas.flatMap { try? JSONSerialization.jsonObject(with: $0) }
        return (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
    }
}

extension JiraIssueRows {
    /// The SLA names of the service-desk API and the custom fields the reference reads them from.
    static let slaFields = ["Time to first response": "customfield_10328", "Time to resolution": "customfield_10161"]

    /// Rows from JSON as Jira answers it: the issue, its remote links (an array) and its service-desk SLAs (which
    /// replace the SLA custom fields, being fresher). `nil` when the issue has no valid key.
    public init?(issueJSON: Data, remoteLinks: Data?, slas: Data?, site: URL?, syncedAt: Date, rawFile: String?) {
        guard var issue = (try? JSONSerialization.jsonObject(with: issueJSON)) as? [String: Any] else { return nil }
        let links = remoteLinks.flatMap { (try? JSONSerialization.jsonObject(with: $0)) as? [[String: Any]] } ?? []
        if let slas, let answer = (try? JSONSerialization.jsonObject(with: slas)) as? [String: Any],
            let values = answer["values"] as? [[String: Any]]
        {
            var fields = issue["fields"] as? [String: Any] ?? [:]
            for value in values {
                guard let name = value["name"] as? String, let field = JiraIssueRows.slaFields[name] else { continue }
                fields[field] = value
            }
            issue["fields"] = fields
        }
        self.init(issue: issue, remoteLinks: links, site: site, syncedAt: syncedAt, rawFile: rawFile)
    }

    /// The attachments to download: id, where it is kept (relative to the source folder), content URL, declared size.
    public var attachments: [(id: String, localPath: String, url: String, size: Int64?)] {
        (rows[.attachments] ?? []).compactMap { row in
            guard case .text(let id)? = row["attachment_id"], case .text(let url)? = row["content_url"] else { return nil }
            guard case .text(let path)? = row["local_path"] else { return nil }
            let size: Int64? = if case .integer(let bytes)? = row["size_bytes"] { bytes } else { nil }
            return (id, path, url, size)
        }
    }
}
