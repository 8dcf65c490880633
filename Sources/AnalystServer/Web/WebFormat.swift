import Foundation

/// How values read on a page: moments as `<time datetime>` (the script shows them in the viewer's locale; without
/// it they read in UTC), counts with digit grouping, sizes in bytes to GB, and path segments for links.
enum WebFormat {
    /// A moment for `<time datetime="{{iso}}">{{text}}</time>`.
    struct Moment: Sendable {
        let iso: String
        let text: String
    }

    static func moment(_ date: Date?) -> Moment? {
        guard let date else { return nil }
        let iso = date.formatted(.iso8601)
        let text = date.formatted(
            Date.VerbatimFormatStyle(
                format:
                    "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits) UTC",
                timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
        return Moment(iso: iso, text: text)
    }

    /// `1234567` → `1,234,567`.
    static func count(_ value: Int64?) -> String? {
        value.map { $0.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) }
    }

    /// `1536` → `1.5 KB`.
    static func bytes(_ value: Int64?) -> String? {
        guard let value else { return nil }
        let units = ["B", "KB", "MB", "GB", "TB"]
        var size = Double(value), unit = 0
        while size >= 1024, unit < units.count - 1 {
            size /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", size, units[unit])
    }

    /// One path segment of a link (`a b/c` → `a%20b%2Fc`): data never adds a segment, a query or a scheme.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathSegmentAllowed) ?? ""
    }

    /// A query string from `pairs` with every value percent-encoded (`?q=a%26b&page=2`); empty values left out.
    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "")
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}

extension CharacterSet {
    /// What may stand unescaped in one path segment (no `/`, `?`, `#`, `%`).
    static let urlPathSegmentAllowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#%;"))
}
