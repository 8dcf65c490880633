import Foundation

/// The wire shapes of Jira Cloud REST v3 (and its webhooks).
extension FakeJiraState {
    /// Jira's time format: `2026-03-01T10:15:30.123+0100`.
    static func time(_ date: Date, _ timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        return formatter.string(from: date)
    }

    /// The rendered (HTML view) time: `01/Mar/26 10:15 AM`.
    static func renderedTime(_ date: Date, _ timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "dd/MMM/yy h:mm a"
        return formatter.string(from: date)
    }

    /// Plain text as an Atlassian Document Format document: one paragraph per non-empty line.
    static func adf(_ text: String) -> [String: Any] {
        let paragraphs = text.split(separator: "\n", omittingEmptySubsequences: true).map { line -> [String: Any] in
            ["type": "paragraph", "content": [["type": "text", "text": String(line)]]]
        }
        return ["type": "doc", "version": 1, "content": paragraphs]
    }

    static func html(_ text: String) -> String {
        text.split(separator: "\n").map {
            "<p>"
                + $0.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
                    of: ">", with: "&gt;") + "</p>"
        }.joined(separator: "\n")
    }

    static func user(_ user: FakeJira.User, _ base: String) -> [String: Any] {
        var object: [String: Any] = [
            "self": "\(base)/rest/api/3/user?accountId=\(user.accountID)", "accountId": user.accountID, "displayName": user.displayName,
            "active": true, "timeZone": "Europe/Prague", "accountType": "atlassian",
            "avatarUrls": ["48x48": "https://avatar-management.example/\(user.accountID)/48"],
        ]
        if let email = user.emailAddress { object["emailAddress"] = email }
        return object
    }

    static func cycle(_ sla: FakeJira.SLA) -> [String: Any] {
        func duration(_ millis: Int64) -> [String: Any] { ["millis": millis, "friendly": "\(millis / 60_000)m"] }
        return [
            "breached": sla.breached, "paused": false, "withinCalendarHours": true, "goalDuration": duration(sla.goalMillis),
            "elapsedTime": duration(sla.elapsedMillis), "remainingTime": duration(sla.goalMillis - sla.elapsedMillis),
        ]
    }

    /// The issue as `GET /rest/api/3/issue/{key}` answers it, with only `fields` (`*all` / `*navigable` for every
    /// field) and the `expand`ed parts (`changelog`, `renderedFields`).
    func json(_ issue: FakeJira.Issue, _ data: Store, fields: [String], expand: String) -> [String: Any] {
        let all = FakeJiraState.fields(issue, data)
        let wanted = Set(fields.map { $0.trimmingCharacters(in: .whitespaces) })
        let selected = wanted.contains("*all") || wanted.contains("*navigable") ? all : all.filter { wanted.contains($0.key) }
        var object: [String: Any] = [
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations", "id": issue.id,
            "key": issue.key, "self": "\(data.base)/rest/api/3/issue/\(issue.id)", "fields": selected,
        ]
        let expanded = Set(expand.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        if expanded.contains("changelog") {
            object["changelog"] = [
                "startAt": 0, "maxResults": issue.changelog.count, "total": issue.changelog.count,
                "histories": issue.changelog.map { FakeJiraState.history($0, data) },
            ]
        }
        if expanded.contains("renderedFields") {
            var rendered: [String: Any] = all.mapValues { _ in NSNull() }
            rendered["description"] = issue.description.map(FakeJiraState.html) ?? NSNull()
            rendered["created"] = FakeJiraState.renderedTime(issue.created, data.timeZone)
            rendered["updated"] = FakeJiraState.renderedTime(issue.updated, data.timeZone)
            rendered["comment"] = [
                "comments": issue.comments.map { comment -> [String: Any] in
                    [
                        "id": comment.id, "body": FakeJiraState.html(comment.body),
                        "created": FakeJiraState.renderedTime(comment.created, data.timeZone),
                        "updated": FakeJiraState.renderedTime(comment.updated, data.timeZone),
                    ]
                }, "maxResults": issue.comments.count, "total": issue.comments.count, "startAt": 0,
            ]
            object["renderedFields"] = rendered
        }
        return object
    }

    static func history(_ change: FakeJira.Change, _ data: Store) -> [String: Any] {
        [
            "id": change.id, "author": user(change.author, data.base), "created": time(change.created, data.timeZone),
            "items": change.items.map { item -> [String: Any] in
                [
                    "field": item.field, "fieldtype": item.fieldtype, "fieldId": item.field.lowercased(), "from": NSNull(),
                    "fromString": item.from as Any, "to": NSNull(), "toString": item.to as Any,
                ]
            },
        ]
    }

    static func comment(_ comment: FakeJira.Comment, issue: FakeJira.Issue, _ data: Store) -> [String: Any] {
        [
            "self": "\(data.base)/rest/api/3/issue/\(issue.id)/comment/\(comment.id)", "id": comment.id,
            "author": user(comment.author, data.base), "body": adf(comment.body), "updateAuthor": user(comment.updateAuthor, data.base),
            "created": time(comment.created, data.timeZone), "updated": time(comment.updated, data.timeZone), "jsdPublic": true,
        ]
    }

    /// Every field of the issue (`fields=*all`), unset ones as `null` as Jira sends them.
    static func fields(_ issue: FakeJira.Issue, _ data: Store) -> [String: Any] {
        let base = data.base
        let zone = data.timeZone
        func named(_ name: String?) -> Any { name.map { ["name": $0, "self": "\(base)/rest/api/3/x/\($0)"] as [String: Any] } ?? NSNull() }
        let categoryKey = ["To Do": "new", "In Progress": "indeterminate", "Done": "done"][issue.statusCategory] ?? "indeterminate"
        var fields: [String: Any] = [
            "summary": issue.summary,
            "description": issue.description.map(adf) ?? NSNull(),
            "issuetype": ["name": issue.issueType, "subtask": false, "id": "10001"],
            "status": [
                "name": issue.status, "id": "1",
                "statusCategory": ["name": issue.statusCategory, "key": categoryKey, "id": 2],
            ],
            "priority": named(issue.priority),
            "resolution": named(issue.resolution),
            "project": ["key": issue.projectKey, "name": issue.projectName, "id": "10000", "self": "\(base)/rest/api/3/project/10000"],
            "creator": user(issue.creator, base),
            "reporter": user(issue.reporter, base),
            "assignee": issue.assignee.map { user($0, base) } ?? NSNull(),
            "created": time(issue.created, zone),
            "updated": time(issue.updated, zone),
            "resolutiondate": issue.resolved.map { time($0, zone) } ?? NSNull(),
            "duedate": issue.dueDate ?? NSNull(),
            "labels": issue.labels,
            "attachment": issue.attachments.map { attachment -> [String: Any] in
                [
                    "self": "\(base)/rest/api/3/attachment/\(attachment.id)", "id": attachment.id, "filename": attachment.filename,
                    "author": user(attachment.author, base), "created": time(attachment.created, zone), "size": attachment.bytes.count,
                    "mimeType": attachment.mimeType,
                    "content": attachment.contentURL ?? "\(base)/rest/api/3/attachment/content/\(attachment.id)",
                    "thumbnail": "\(base)/rest/api/3/attachment/thumbnail/\(attachment.id)",
                ]
            },
            "comment": [
                "comments": issue.comments.map { comment($0, issue: issue, data) }, "self": "\(base)/rest/api/3/issue/\(issue.id)/comment",
                "maxResults": issue.comments.count, "total": issue.comments.count, "startAt": 0,
            ],
            "issuelinks": issue.links.map { link -> [String: Any] in
                let linked: [String: Any] = [
                    "id": String(10000 + (Int(link.key.split(separator: "-").last ?? "") ?? 0)), "key": link.key,
                    "self": "\(base)/rest/api/3/issue/\(link.key)",
                    "fields": [
                        "summary": link.summary, "status": ["name": link.status], "priority": ["name": link.priority],
                        "issuetype": ["name": "Task"],
                    ],
                ]
                return [
                    "id": link.id, "self": "\(base)/rest/api/3/issueLink/\(link.id)",
                    "type": ["id": "10000", "name": link.type, "inward": link.inward, "outward": link.outward],
                    link.isOutward ? "outwardIssue" : "inwardIssue": linked,
                ]
            },
            "customfield_10004": issue.severity.map { ["value": $0, "id": "10020", "self": "\(base)/rest/api/3/customFieldOption/10020"] }
                ?? NSNull(),
            "customfield_10328": issue.firstResponse.map { sla(named: "Time to first response", $0) } ?? NSNull(),
            "customfield_10161": issue.timeToResolution.map { sla(named: "Time to resolution", $0) } ?? NSNull(),
        ]
        if let requestType = issue.requestType {
            fields["customfield_10010"] = [
                "requestType": ["id": "1", "name": requestType, "description": ""],
                "currentStatus": ["status": issue.requestStatus ?? issue.status, "statusCategory": categoryKey.uppercased()],
            ]
        } else {
            fields["customfield_10010"] = NSNull()
        }
        for id in ["10156", "10002", "10365", "10157", "10323", "10330", "10325", "10350", "10475", "10511", "10676", "11831"] {
            fields["customfield_\(id)"] = NSNull()
        }
        for (id, raw) in issue.customFields {
            fields[id] = (try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: .fragmentsAllowed)) ?? raw
        }
        return fields
    }

    static func sla(named name: String, _ sla: FakeJira.SLA) -> [String: Any] {
        ["id": "1", "name": name, "completedCycles": [Any](), "ongoingCycle": cycle(sla)]
    }

    func webhookEvent(_ name: String, key: String) -> Data {
        let body: [String: Any] = data.withLock { data in
            var body: [String: Any] = [
                "timestamp": Int64(Date().timeIntervalSince1970 * 1000), "webhookEvent": name,
                "user": FakeJiraState.user(.alice, data.base),
            ]
            guard let issue = data.issues[key] else {
                body["issue"] = ["id": "0", "key": key, "self": "\(data.base)/rest/api/3/issue/\(key)", "fields": [String: Any]()]
                return body
            }
            body["issue"] = json(issue, data, fields: ["*all"], expand: "")
            switch name {
            case "jira:issue_updated":
                body["issue_event_type_name"] = "issue_updated"
                if let change = issue.changelog.last {
                    body["changelog"] = ["id": change.id, "items": FakeJiraState.history(change, data)["items"] ?? [Any]()]
                }
            case "jira:issue_created": body["issue_event_type_name"] = "issue_created"
            case let name where name.hasPrefix("comment_"):
                if let comment = issue.comments.last { body["comment"] = FakeJiraState.comment(comment, issue: issue, data) }
            default: break
            }
            return body
        }
        return (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
    }
}
