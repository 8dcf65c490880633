import Foundation

/// When a table's extract runs: `every 15m`, `every 2h`, or `daily 05:00,13:00` (UTC).
public enum SyncSchedule: Sendable, Equatable, CustomStringConvertible {
    case every(minutes: Int)
    /// Minutes after midnight UTC, sorted, without duplicates.
    case daily(minutesOfDay: [Int])

    /// What a schedule looks like, for error messages.
    public static let grammar = "\"every <n>m\", \"every <n>h\" or \"daily HH:MM[,HH:MM…]\" (UTC)"

    /// Parses the text form; `nil` when it does not follow `grammar`.
    public init?(_ text: String) {
        let words = text.trimmingCharacters(in: .whitespaces).lowercased().split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2 else { return nil }
        switch words[0] {
        case "every":
            let amount = words[1]
            guard let unit = amount.last, let count = Int(amount.dropLast()), count > 0 else { return nil }
            switch unit {
            case "m" where count <= 24 * 60: self = .every(minutes: count)
            case "h" where count <= 24 * 7: self = .every(minutes: count * 60)
            default: return nil
            }
        case "daily":
            var minutes: [Int] = []
            for time in words[1].split(separator: ",", omittingEmptySubsequences: false) {
                let parts = time.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]),
                    let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
                else { return nil }
                minutes.append(hour * 60 + minute)
            }
            self = .daily(minutesOfDay: Array(Set(minutes)).sorted())
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .every(let minutes):
            return minutes % 60 == 0 ? "every \(minutes / 60)h" : "every \(minutes)m"
        case .daily(let times):
            return "daily " + times.map { String(format: "%02d:%02d", $0 / 60, $0 % 60) }.joined(separator: ",")
        }
    }

    /// Whether a run is due at `now`, given when the table last synced (`nil`: never, so it is due).
    public func isDue(lastRun: Date?, now: Date) -> Bool {
        guard let lastRun else { return true }
        return nextRun(after: lastRun) <= now
    }

    /// The first scheduled moment after `date`.
    public func nextRun(after date: Date) -> Date {
        switch self {
        case .every(let minutes):
            return date.addingTimeInterval(Double(minutes) * 60)
        case .daily(let times):
            let seconds = date.timeIntervalSince1970
            let dayStart = (seconds / 86_400).rounded(.down) * 86_400
            for day in 0...1 {
                for minute in times {
                    let candidate = dayStart + Double(day) * 86_400 + Double(minute) * 60
                    if candidate > seconds { return Date(timeIntervalSince1970: candidate) }
                }
            }
            return Date(timeIntervalSince1970: dayStart + 2 * 86_400)
        }
    }
}
