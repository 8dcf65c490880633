import Foundation
import Testing

@testable import AnalystCore

struct SyncScheduleTests {
    @Test(arguments: [
        ("every 15m", SyncSchedule.every(minutes: 15), "every 15m"),
        ("every 2h", .every(minutes: 120), "every 2h"),
        ("EVERY 90m", .every(minutes: 90), "every 90m"),
        ("daily 13:00,05:00", .daily(minutesOfDay: [300, 780]), "daily 05:00,13:00"),
        ("  daily 00:00 ", .daily(minutesOfDay: [0]), "daily 00:00"),
    ])
    func parses(text: String, expected: SyncSchedule, canonical: String) {
        #expect(SyncSchedule(text) == expected)
        #expect(SyncSchedule(text)?.description == canonical)
    }

    @Test(arguments: [
        "", "every", "every 0m", "every 15", "every 15s", "every -5m", "daily", "daily 5:00", "daily 24:00",
        "daily 05:60", "daily 05:00,", "weekly 05:00", "every 2h daily",
    ])
    func refuses(text: String) {
        #expect(SyncSchedule(text) == nil)
    }

    @Test func dueTimes() throws {
        let base = try #require(ISO8601DateFormatter().date(from: "2026-11-22T04:30:00Z"))
        let every = SyncSchedule.every(minutes: 15)
        #expect(every.isDue(lastRun: nil, now: base))
        #expect(every.isDue(lastRun: base.addingTimeInterval(-15 * 60), now: base))
        #expect(!every.isDue(lastRun: base.addingTimeInterval(-14 * 60), now: base))
        let daily = SyncSchedule.daily(minutesOfDay: [5 * 60, 13 * 60])
        #expect(daily.nextRun(after: base) == base.addingTimeInterval(30 * 60), "05:00 the same day")
        #expect(daily.nextRun(after: base.addingTimeInterval(9 * 3600)) == base.addingTimeInterval(24.5 * 3600), "05:00 the next day")
        #expect(!daily.isDue(lastRun: base, now: base.addingTimeInterval(29 * 60)))
        #expect(daily.isDue(lastRun: base, now: base.addingTimeInterval(31 * 60)))
    }
}
