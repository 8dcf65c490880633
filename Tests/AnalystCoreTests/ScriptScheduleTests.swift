import AnalystCore
import Foundation
import Testing

/// Schedules: the three forms, their next times in UTC, and refusals that say what to write.
struct ScriptScheduleTests {
    static func date(_ text: String) throws -> Date {
        try Date(text, strategy: Date.ISO8601FormatStyle())
    }

    @Test func nextTimes() throws {
        let now = try Self.date("2026-12-06T10:07:30Z")
        let cases: [(String, String)] = [
            ("every 15m", "2026-12-06T10:15:00Z"),
            ("every 1h", "2026-12-06T11:00:00Z"),
            ("daily 07:30", "2026-12-07T07:30:00Z"),
            ("daily 10:08", "2026-12-06T10:08:00Z"),
            ("*/10 * * * *", "2026-12-06T10:10:00Z"),
            ("0 9 * * 1-5", "2026-12-07T09:00:00Z"),  // 2026-12-06 is a Sunday: Monday 09:00
            ("30 6 1 1 *", "2027-01-01T06:30:00Z"),
            ("0 0 29 2 *", "2028-02-29T00:00:00Z"),
            ("15 14 * * 0", "2026-12-06T14:15:00Z"),
            ("15 14 * * 7", "2026-12-06T14:15:00Z"),
        ]
        for (text, expected) in cases {
            let schedule = try ScriptSchedule(parsing: text)
            #expect(schedule.next(after: now) == (try Self.date(expected)), "\(text)")
        }
        #expect(try ScriptSchedule(parsing: "every 90m").description == "every 90m")
        #expect(try ScriptSchedule(parsing: "every 120m").description == "every 2h")
    }

    @Test func refusalsSayWhatToWrite() {
        for text in [
            "", "every", "every 0m", "every 5s", "daily 24:00", "daily 7:3", "60 * * * *", "* * * *", "*/0 * * * *", "5-1 * * * *",
        ] {
            do {
                _ = try ScriptSchedule(parsing: text)
                Issue.record("\"\(text)\" was accepted")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test func theOutputContract() throws {
        let output = try #require(
            try ScriptOutput(
                stdout: "working…\n{\"notify\": true, \"title\": \"T\", \"message\": \"m\", \"cooldown\": \"30m\", \"data\": {\"a\": 1}}\n")
        )
        #expect(output.notify && output.title == "T" && output.cooldown == .seconds(1800) && output.data == #"{"a":1}"#)
        #expect(try ScriptOutput(stdout: "just text\n") == nil)
        #expect(try ScriptOutput(stdout: #"{"notify": false}"#)?.notify == false)
        #expect(try ScriptOutput(stdout: #"{"notify": true, "message": "m"}"#)?.cooldown == .seconds(3600))
        for bad in [#"{"notify": "yes"}"#, #"{"notify": true}"#, #"{"notify": true, "message": "m", "cooldown": "soon"}"#] {
            #expect(throws: ScriptOutput.Invalid.self) { _ = try ScriptOutput(stdout: bad) }
        }
    }
}
