import Foundation

/// Issue keys and Jira's text and time formats, checked or converted before anything else uses them.
public enum JiraText {
    /// Whether `key` is an issue key (`PROJ-123`): checked before a key reaches a path or a URL, so `../../x` never
    /// does.
    public static func isIssueKey(_ key: String) -> Bool {
        let parts = key.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let project = parts.first, let number = parts.last, project.count >= 2, !number.isEmpty,
            number.count <= 12
        else { return false }
        guard let first = project.unicodeScalars.first, ("A"..."Z").contains(first) else { return false }
        return project.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
            && number.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
    }

    /// Plain text of an Atlassian Document Format value (or the text itself when Jira sent a string): paragraphs and
    /// list items on their own lines, hard breaks as line breaks, mentions and emoji by their text, links' text kept.
    public static func plainText(_ value: Any?) -> String? {
        switch value {
        case let text as String:
            return text
        case let node as [String: Any]:
            var lines: [String] = []
            var current = ""
            collect(node, into: &current, lines: &lines)
            if !current.isEmpty { lines.append(current) }
            let text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        default:
            return nil
        }
    }

    /// Block nodes end a line; inline nodes add to it.
    private static let blocks: Set<String> = [
        "paragraph", "heading", "listItem", "blockquote", "codeBlock", "rule", "tableRow", "panel", "mediaSingle",
    ]

    private static func collect(_ node: [String: Any], into current: inout String, lines: inout [String]) {
        let type = node["type"] as? String ?? ""
        switch type {
        case "text":
            current += node["text"] as? String ?? ""
        case "hardBreak":
            lines.append(current)
            current = ""
        case "mention":
            current += ((node["attrs"] as? [String: Any])?["text"] as? String) ?? ""
        case "emoji":
            let attributes = node["attrs"] as? [String: Any]
            current += (attributes?["text"] as? String) ?? (attributes?["shortName"] as? String) ?? ""
        case "inlineCard", "blockCard":
            current += ((node["attrs"] as? [String: Any])?["url"] as? String) ?? ""
        case "tableCell", "tableHeader":
            for child in node["content"] as? [[String: Any]] ?? [] { collect(child, into: &current, lines: &lines) }
            current += " | "
            return
        default:
            break
        }
        for child in node["content"] as? [[String: Any]] ?? [] { collect(child, into: &current, lines: &lines) }
        if blocks.contains(type) {
            let line = current.trimmingCharacters(in: .whitespaces)
            if !line.isEmpty { lines.append(line) }
            current = ""
        }
    }

    /// A Jira time (`2026-03-01T10:15:30.123+0100`, with or without milliseconds, `Z` or an offset with or without
    /// a colon) or a date (`2026-03-01`, midnight UTC); `nil` for anything else.
    public static func time(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let scalars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= scalars.count else { return nil }
            var value = 0
            for index in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(scalars[index]) else { return nil }
                value = value * 10 + Int(scalars[index] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), scalars[4] == UInt8(ascii: "-"),
            scalars[7] == UInt8(ascii: "-"), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var components = DateComponents(timeZone: TimeZone(identifier: "UTC"), year: year, month: month, day: day)
        var offsetSeconds = 0
        if scalars.count > 10 {
            guard scalars[10] == UInt8(ascii: "T"), let hour = number(11..<13), let minute = number(14..<16),
                let second = number(17..<19), hour < 24, minute < 60, second < 61
            else { return nil }
            components.hour = hour
            components.minute = minute
            components.second = second
            var index = 19
            if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
                index += 1
                var fraction = 0.0
                var scale = 0.1
                while index < scalars.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(scalars[index]) {
                    fraction += Double(scalars[index] - UInt8(ascii: "0")) * scale
                    scale /= 10
                    index += 1
                }
                components.nanosecond = Int((fraction * 1e9).rounded())
            }
            guard index < scalars.count else { return nil }
            switch scalars[index] {
            case UInt8(ascii: "Z"):
                guard index + 1 == scalars.count else { return nil }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = scalars[index] == UInt8(ascii: "-") ? -1 : 1
                let rest = Array(scalars[(index + 1)...].filter { $0 != UInt8(ascii: ":") })
                guard rest.count == 4, let hours = Int(String(decoding: rest[0..<2], as: UTF8.self)),
                    let minutes = Int(String(decoding: rest[2..<4], as: UTF8.self))
                else { return nil }
                offsetSeconds = sign * (hours * 3600 + minutes * 60)
            default:
                return nil
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.date(from: components).map { $0.addingTimeInterval(TimeInterval(-offsetSeconds)) }
    }
}
