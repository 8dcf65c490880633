import AnalystAPI
import AnalystCore
import Foundation

/// The six Jira tables (reference §5.3), their columns with DuckDB types, and their keys. Published as
/// `<prefix><table>` (`jira_issues`, …). Timestamps are UTC; counts and milliseconds are BIGINT; the rest is text.
public enum JiraTable: String, CaseIterable, Sendable {
    case issues, comments, attachments, changelog, issuelinks, remote_links

    /// The primary key the table is upserted by.
    public var key: [String] {
        switch self {
        case .issues: ["issue_key"]
        case .comments: ["comment_id"]
        case .attachments: ["attachment_id"]
        case .changelog: ["change_id"]
        case .issuelinks: ["link_id"]
        case .remote_links: ["remote_link_id"]
        }
    }

    /// Columns in order, with their DuckDB types.
    public var columns: [(name: String, type: String)] {
        let timestamps: Set<String> = ["created_at", "updated_at", "resolved_at", "changed_at", "_synced_at"]
        let integers: Set<String> = [
            "attachment_count", "comment_count", "issuelink_count", "satisfaction", "first_response_goal_millis",
            "first_response_elapsed_millis", "time_to_resolution_goal_millis", "time_to_resolution_elapsed_millis", "size_bytes",
        ]
        return names.map { name in
            (name, timestamps.contains(name) ? "TIMESTAMPTZ" : integers.contains(name) ? "BIGINT" : "VARCHAR")
        }
    }

    private var names: [String] {
        switch self {
        case .issues:
            [
                "issue_key", "issue_id", "issue_url", "summary", "description", "issue_type", "status", "status_category",
                "priority", "resolution", "project_key", "project_name", "creator_email", "creator_name", "reporter_email",
                "reporter_name", "assignee_email", "assignee_name", "created_at", "updated_at", "resolved_at", "due_date",
                "labels", "attachment_count", "comment_count", "issuelink_count", "request_type", "request_status", "severity",
                "triage", "configuration_item", "participants", "organizations", "spam", "context", "custom_url", "slack_link",
                "technical_issue_category", "email_address", "satisfaction", "first_response_breached",
                "first_response_goal_millis", "first_response_elapsed_millis", "time_to_resolution_breached",
                "time_to_resolution_goal_millis", "time_to_resolution_elapsed_millis", "l3_team", "_synced_at", "_raw_file",
            ]
        case .comments:
            ["comment_id", "issue_key", "author_email", "author_name", "body", "created_at", "updated_at", "update_author_email"]
        case .attachments:
            [
                "attachment_id", "issue_key", "filename", "local_path", "hierarchical_path", "size_bytes", "mime_type",
                "author_email", "created_at", "content_url", "thumbnail_url",
            ]
        case .changelog:
            ["change_id", "issue_key", "author_email", "author_name", "field_name", "field_type", "from_value", "to_value", "changed_at"]
        case .issuelinks:
            [
                "issue_key", "link_id", "link_type", "direction", "linked_issue_key", "linked_issue_summary", "linked_issue_status",
                "linked_issue_priority",
            ]
        case .remote_links:
            ["issue_key", "remote_link_id", "url", "title", "application_name", "application_type"]
        }
    }
}

/// One cell of a Jira row.
public enum JiraCell: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case time(Date)
    case null

    /// The cell as a JSON value (times as ISO 8601 UTC with microseconds).
    var json: Any {
        switch self {
        case .text(let text): text
        case .integer(let value): value
        case .time(let date): JiraCell.timestamp(date)
        case .null: NSNull()
        }
    }

    static func timestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = Int(micros / 1_000_000 - (micros % 1_000_000 < 0 ? 1 : 0))
        let fraction = (micros % 1_000_000 + 1_000_000) % 1_000_000
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
            parts.minute ?? 0, parts.second ?? 0, fraction)
    }
}

/// An issue's rows in the six tables, from Jira's issue JSON (`GET /rest/api/3/issue/{key}?expand=…`, or the issue
/// a webhook embeds) and its remote links.
public struct JiraIssueRows: Sendable {
    public var key: String
    /// The month of `created_at` (`2026-03`), the shard every row of the issue lives in; `none` without a date.
    public var shard: String
    public var rows: [JiraTable: [[String: JiraCell]]]

    /// The custom fields the reference maps to named columns (§5.3).
    static let customFields: [String: String] = [
        "participants": "customfield_10156", "organizations": "customfield_10002", "request_type": "customfield_10010",
        "severity": "customfield_10004", "spam": "customfield_10365", "satisfaction": "customfield_10157",
        "triage": "customfield_10323", "context": "customfield_10330", "custom_url": "customfield_10325",
        "slack_link": "customfield_10350", "email_address": "customfield_10475", "configuration_item": "customfield_10511",
        "technical_issue_category": "customfield_10676", "first_response": "customfield_10328",
        "time_to_resolution": "customfield_10161", "l3_team": "customfield_11831",
    ]

    /// Rows of `issue`; `nil` when it has no valid key. `site` makes `issue_url` (`<site>/browse/<key>`).
    public init?(issue: [String: Any], remoteLinks: [[String: Any]] = [], site: URL?, syncedAt: Date, rawFile: String? = nil) {
        guard let key = issue["key"] as? String, JiraText.isIssueKey(key) else { return nil }
        let fields = issue["fields"] as? [String: Any] ?? [:]
        func text(_ value: Any?) -> JiraCell { JiraIssueRows.text(value).map(JiraCell.text) ?? .null }
        func time(_ value: Any?) -> JiraCell { JiraText.time(value).map(JiraCell.time) ?? .null }
        func user(_ value: Any?) -> (JiraCell, JiraCell) {
            let user = value as? [String: Any]
            return (text(user?["emailAddress"]), text(user?["displayName"]))
        }
        func custom(_ name: String) -> Any? { JiraIssueRows.customFields[name].flatMap { fields[$0] } }
        func sla(_ name: String) -> (JiraCell, JiraCell, JiraCell) {
            let value = custom(name) as? [String: Any]
            let cycle = (value?["ongoingCycle"] as? [String: Any]) ?? (value?["completedCycles"] as? [[String: Any]])?.last
            let breached = (cycle?["breached"] as? Bool).map { JiraCell.text($0 ? "true" : "false") } ?? .null
            func millis(_ field: String) -> JiraCell {
                ((cycle?[field] as? [String: Any])?["millis"] as? NSNumber).map { .integer($0.int64Value) } ?? .null
            }
            return (breached, millis("goalDuration"), millis("elapsedTime"))
        }

        let comments = (fields["comment"] as? [String: Any])?["comments"] as? [[String: Any]] ?? []
        let attachments = fields["attachment"] as? [[String: Any]] ?? []
        let links = fields["issuelinks"] as? [[String: Any]] ?? []
        let created = JiraText.time(fields["created"])
        let (creatorEmail, creatorName) = user(fields["creator"])
        let (reporterEmail, reporterName) = user(fields["reporter"])
        let (assigneeEmail, assigneeName) = user(fields["assignee"])
        let (firstBreached, firstGoal, firstElapsed) = sla("first_response")
        let (resolutionBreached, resolutionGoal, resolutionElapsed) = sla("time_to_resolution")
        let requestType = custom("request_type") as? [String: Any]
        let status = fields["status"] as? [String: Any]
        let project = fields["project"] as? [String: Any]
        let issueRow: [String: JiraCell] = [
            "issue_key": .text(key), "issue_id": text(issue["id"]),
            "issue_url": site.map { .text($0.appendingPathComponent("browse").appendingPathComponent(key).absoluteString) } ?? .null,
            "summary": text(fields["summary"]), "description": JiraText.plainText(fields["description"]).map(JiraCell.text) ?? .null,
            "issue_type": text((fields["issuetype"] as? [String: Any])?["name"]), "status": text(status?["name"]),
            "status_category": text((status?["statusCategory"] as? [String: Any])?["name"]),
            "priority": text((fields["priority"] as? [String: Any])?["name"]),
            "resolution": text((fields["resolution"] as? [String: Any])?["name"]), "project_key": text(project?["key"]),
            "project_name": text(project?["name"]), "creator_email": creatorEmail, "creator_name": creatorName,
            "reporter_email": reporterEmail, "reporter_name": reporterName, "assignee_email": assigneeEmail,
            "assignee_name": assigneeName, "created_at": created.map(JiraCell.time) ?? .null, "updated_at": time(fields["updated"]),
            "resolved_at": time(fields["resolutiondate"]), "due_date": text(fields["duedate"]),
            "labels": (fields["labels"] as? [String]).map { .text($0.joined(separator: ",")) } ?? .null,
            "attachment_count": .integer(Int64(attachments.count)), "comment_count": .integer(Int64(comments.count)),
            "issuelink_count": .integer(Int64(links.count)),
            "request_type": text((requestType?["requestType"] as? [String: Any])?["name"]),
            "request_status": text((requestType?["currentStatus"] as? [String: Any])?["status"]),
            "severity": text(custom("severity")), "triage": text(custom("triage")),
            "configuration_item": text(custom("configuration_item")), "participants": text(custom("participants")),
            "organizations": text(custom("organizations")), "spam": text(custom("spam")), "context": text(custom("context")),
            "custom_url": text(custom("custom_url")), "slack_link": text(custom("slack_link")),
            "technical_issue_category": text(custom("technical_issue_category")), "email_address": text(custom("email_address")),
            "satisfaction": ((custom("satisfaction") as? [String: Any])?["rating"] as? NSNumber).map { .integer($0.int64Value) } ?? .null,
            "first_response_breached": firstBreached, "first_response_goal_millis": firstGoal,
            "first_response_elapsed_millis": firstElapsed, "time_to_resolution_breached": resolutionBreached,
            "time_to_resolution_goal_millis": resolutionGoal, "time_to_resolution_elapsed_millis": resolutionElapsed,
            "l3_team": text(custom("l3_team")), "_synced_at": .time(syncedAt), "_raw_file": rawFile.map(JiraCell.text) ?? .null,
        ]
        var rows: [JiraTable: [[String: JiraCell]]] = [.issues: [issueRow]]
        rows[.comments] = comments.compactMap { comment in
            guard let id = JiraIssueRows.text(comment["id"]) else { return nil }
            let (email, name) = user(comment["author"])
            return [
                "comment_id": .text(id), "issue_key": .text(key), "author_email": email, "author_name": name,
                "body": JiraText.plainText(comment["body"]).map(JiraCell.text) ?? .null, "created_at": time(comment["created"]),
                "updated_at": time(comment["updated"]), "update_author_email": user(comment["updateAuthor"]).0,
            ]
        }
        rows[.attachments] = attachments.compactMap { attachment in
            guard let id = JiraIssueRows.text(attachment["id"]) else { return nil }
            let filename = JiraIssueRows.text(attachment["filename"]) ?? ""
            let local = "attachments/\(key)/\(id)_\(JiraIssueRows.safeName(filename))"
            return [
                "attachment_id": .text(id), "issue_key": .text(key), "filename": .text(filename), "local_path": .text(local),
                "hierarchical_path": .text(local), "size_bytes": (attachment["size"] as? NSNumber).map { .integer($0.int64Value) } ?? .null,
                "mime_type": text(attachment["mimeType"]), "author_email": user(attachment["author"]).0,
                "created_at": time(attachment["created"]), "content_url": text(attachment["content"]),
                "thumbnail_url": text(attachment["thumbnail"]),
            ]
        }
        let histories = (issue["changelog"] as? [String: Any])?["histories"] as? [[String: Any]] ?? []
        rows[.changelog] = histories.flatMap { history -> [[String: JiraCell]] in
            guard let id = JiraIssueRows.text(history["id"]) else { return [] }
            let (email, name) = user(history["author"])
            let items = history["items"] as? [[String: Any]] ?? []
            return items.enumerated().map { index, item in
                [
                    "change_id": .text("\(id)-\(index)"), "issue_key": .text(key), "author_email": email, "author_name": name,
                    "field_name": text(item["field"]), "field_type": text(item["fieldtype"]), "from_value": text(item["fromString"]),
                    "to_value": text(item["toString"]), "changed_at": time(history["created"]),
                ]
            }
        }
        rows[.issuelinks] = links.compactMap { link in
            guard let id = JiraIssueRows.text(link["id"]) else { return nil }
            let type = link["type"] as? [String: Any]
            let (direction, other) =
                link["outwardIssue"] != nil
                ? ("outward", link["outwardIssue"] as? [String: Any]) : ("inward", link["inwardIssue"] as? [String: Any])
            let otherFields = other?["fields"] as? [String: Any]
            return [
                "issue_key": .text(key), "link_id": .text(id), "link_type": text(type?["name"]), "direction": .text(direction),
                "linked_issue_key": text(other?["key"]), "linked_issue_summary": text(otherFields?["summary"]),
                "linked_issue_status": text((otherFields?["status"] as? [String: Any])?["name"]),
                "linked_issue_priority": text((otherFields?["priority"] as? [String: Any])?["name"]),
            ]
        }
        rows[.remote_links] = remoteLinks.compactMap { link in
            guard let id = JiraIssueRows.text(link["id"]) else { return nil }
            let object = link["object"] as? [String: Any]
            let application = link["application"] as? [String: Any]
            return [
                "issue_key": .text(key), "remote_link_id": .text(id), "url": text(object?["url"]), "title": text(object?["title"]),
                "application_name": text(application?["name"]), "application_type": text(application?["type"]),
            ]
        }
        self.key = key
        self.shard = created.map { String(JiraCell.timestamp($0).prefix(7)) } ?? "none"
        self.rows = rows
    }

    /// A field's text: strings as they are, numbers and booleans written out, `{value}`/`{name}`/`{displayName}`
    /// objects by that member, lists joined with `, `, ADF documents as plain text.
    static func text(_ value: Any?) -> String? {
        switch value {
        case nil, is NSNull: return nil
        case let text as String: return text
        case let flag as Bool where !(value is Int):
            return flag ? "true" : "false"
        case let number as NSNumber:
            return number.stringValue
        case let list as [Any]:
            let parts = list.compactMap { text($0) }
            return parts.isEmpty ? nil : parts.joined(separator: ", ")
        case let object as [String: Any]:
            if object["type"] as? String == "doc" { return JiraText.plainText(object) }
            for member in ["value", "name", "displayName", "emailAddress", "key"] {
                if let found = object[member].flatMap({ text($0) }) { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// A file name reduced to a safe base name: no folders, no leading dots, only letters, digits, `.`, `-`, `_`.
    public static func safeName(_ name: String) -> String {
        let base = name.split(separator: "/").last.map(String.init) ?? ""
        let cleaned = String(
            base.unicodeScalars.map { scalar -> Character in
                CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || scalar == "." || scalar == "-" || scalar == "_"
                    ? Character(scalar) : "_"
            })
        let trimmed = cleaned.drop { $0 == "." }
        return trimmed.isEmpty ? "file" : String(trimmed.prefix(200))
    }
}

extension JiraTable {
    /// Registers the six tables (`source_type: jira`, bucket `jira`, not public) that are not registered yet, so
    /// admins can grant them like any table; returns the ids added. Registrations an admin changed stay as they are.
    public static func register(in registry: TableRegistry, prefix: String) async throws -> [String] {
        let existing = Set(try await registry.list().map(\.id))
        var added: [String] = []
        for table in allCases where !existing.contains(prefix + table.rawValue) {
            _ = try await registry.register(
                Schemas.TableChanges(
                    name: prefix + table.rawValue, sourceType: "jira", bucket: "jira", primaryKey: table.key.first,
                    description: "Jira \(table.rawValue.replacingOccurrences(of: "_", with: " ")), kept current by Jira's webhooks",
                    isPublic: false),
                by: nil)
            added.append(prefix + table.rawValue)
        }
        return added
    }
}
