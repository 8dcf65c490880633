import Foundation

/// When a deployed script runs, in UTC: `every 15m` / `every 2h` / `every 1d`, `daily 07:30`, or a five-field cron
/// expression (`minute hour day-of-month month day-of-week`, with `*`, lists, ranges and `/steps`; Sunday is 0 or 7;
/// when both day fields are restricted either may match, as cron does).
public enum ScriptSchedule: Sendable, Equatable, CustomStringConvertible {
    case every(minutes: Int)
    case daily(hour: Int, minute: Int)
    case cron(Cron)

    /// A parsed cron expression: the allowed values of each field.
    public struct Cron: Sendable, Equatable {
        public var minutes: Set<Int>
        public var hours: Set<Int>
        public var days: Set<Int>
        public var months: Set<Int>
        public var weekdays: Set<Int>
        var daysRestricted: Bool
        var weekdaysRestricted: Bool
        let text: String
    }

    /// Why a schedule text was refused, saying what to write.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public var description: String {
        switch self {
        case .every(let minutes):
            if minutes % 1440 == 0 { return "every \(minutes / 1440)d" }
            if minutes % 60 == 0 { return "every \(minutes / 60)h" }
            return "every \(minutes)m"
        case .daily(let hour, let minute): return String(format: "daily %02d:%02d", hour, minute)
        case .cron(let cron): return cron.text
        }
    }

    static let help =
        "use \"every 15m\" (m, h or d; at least 1m), \"daily 07:30\" (UTC) or a 5-field cron expression such as \"*/10 6-18 * * 1-5\""

    /// Parses a schedule; the error says what is wrong and what to write.
    public init(parsing text: String) throws(Invalid) {
        let words = text.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        if words.first == "every", words.count == 2 {
            let amount = words[1].dropLast()
            guard let unit = words[1].last, let value = Int(amount), value >= 1 else {
                throw Invalid(description: "\"\(text)\" is not a schedule: \(Self.help)")
            }
            let minutes: Int
            switch unit {
            case "m": minutes = value
            case "h": minutes = value * 60
            case "d": minutes = value * 1440
            default: throw Invalid(description: "\"\(text)\" is not a schedule: \(Self.help)")
            }
            guard minutes <= 366 * 1440 else { throw Invalid(description: "\"\(text)\": at most every 366d") }
            self = .every(minutes: minutes)
        } else if words.first == "daily", words.count == 2 {
            let parts = words[1].split(separator: ":")
            guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
                (0..<24).contains(hour), (0..<60).contains(minute)
            else { throw Invalid(description: "\"\(text)\": the time must be HH:MM in UTC, e.g. daily 07:30") }
            self = .daily(hour: hour, minute: minute)
        } else if words.count == 5 {
            func field(_ index: Int, _ range: ClosedRange<Int>, _ name: String) throws(Invalid) -> Set<Int> {
                try Self.field(words[index], range: range, name: name, schedule: text)
            }
            var weekdays = try field(4, 0...7, "day of week")
            if weekdays.remove(7) != nil { weekdays.insert(0) }
            self = .cron(
                Cron(
                    minutes: try field(0, 0...59, "minute"), hours: try field(1, 0...23, "hour"),
                    days: try field(2, 1...31, "day of month"),
                    months: try field(3, 1...12, "month"), weekdays: weekdays, daysRestricted: words[2] != "*",
                    weekdaysRestricted: words[4] != "*", text: words.joined(separator: " ")))
        } else {
            throw Invalid(description: "\"\(text)\" is not a schedule: \(Self.help)")
        }
    }

    private static func field(_ text: String, range: ClosedRange<Int>, name: String, schedule: String) throws(Invalid) -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(pieces.count) else { throw invalid() }
            let step = try pieces.count == 2 ? positive(pieces[1]) : 1
            var bounds = range
            if pieces[0] != "*" {
                let ends = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
                guard (1...2).contains(ends.count), let low = Int(ends[0]), let high = Int(ends.last ?? ""), range.contains(low),
                    range.contains(high), low <= high
                else { throw invalid() }
                bounds = low...(pieces.count == 2 && ends.count == 1 ? range.upperBound : high)
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values

        func positive(_ text: Substring) throws(Invalid) -> Int {
            guard let value = Int(text), value >= 1 else { throw invalid() }
            return value
        }
        func invalid() -> Invalid {
            Invalid(
                description: "\"\(schedule)\": the \(name) field \"\(text)\" must be *, a number in \(range), a range, a list or a /step")
        }
    }

    /// The first time strictly after `date` that the schedule names (to the minute).
    public func next(after date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let minute = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        switch self {
        case .every(let minutes):
            // Aligned to the epoch, so a restart keeps the rhythm.
            let step = Double(minutes * 60)
            return Date(timeIntervalSince1970: (date.timeIntervalSince1970 / step).rounded(.down) * step + step)
        case .daily(let hour, let minuteOfHour):
            var components = calendar.dateComponents([.year, .month, .day], from: date)
            components.hour = hour
            components.minute = minuteOfHour
            let today = calendar.date(from: components) ?? minute
            return today > date ? today : today.addingTimeInterval(86_400)
        case .cron(let cron):
            var candidate = minute
            // At most about four years of minutes, which covers 29 February; then give up a year ahead.
            for _ in 0..<(4 * 366 * 1440) {
                let parts = calendar.dateComponents([.month, .day, .hour, .minute, .weekday], from: candidate)
                guard let month = parts.month, let day = parts.day, let hour = parts.hour, let minuteOfHour = parts.minute,
                    let weekday = parts.weekday
                else { break }
                if !cron.months.contains(month) {
                    candidate = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: candidate)) ?? candidate
                    continue
                }
                let dayMatches = cron.days.contains(day), weekdayMatches = cron.weekdays.contains(weekday - 1)
                let dayOK =
                    cron.daysRestricted && cron.weekdaysRestricted
                    ? (dayMatches || weekdayMatches) : (dayMatches && weekdayMatches)
                if !dayOK {
                    candidate = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: candidate)) ?? candidate
                    continue
                }
                if !cron.hours.contains(hour) {
                    candidate = candidate.addingTimeInterval(Double(60 - minuteOfHour) * 60)
                    continue
                }
                if cron.minutes.contains(minuteOfHour) { return candidate }
                candidate = candidate.addingTimeInterval(60)
            }
            return date.addingTimeInterval(366 * 86_400)
        }
    }
}
