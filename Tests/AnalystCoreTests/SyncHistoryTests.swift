import AnalystCore
import Foundation
import TestSupport
import Testing

struct SyncHistoryTests {
    /// Each table keeps its newest entries; appending to one table never drops another's.
    @Test func olderEntriesGoPerTable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try SystemDatabase(path: directory.appending("system.duckdb"), logger: LogCapture().logger())
        let history = SyncHistory(system: system, keptPerTable: 3)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await history.append([TableOutcome(table: "quiet", source: "files", rows: 1)], jobID: "j0", at: start)
        for run in 1...5 {
            try await history.append(
                [TableOutcome(table: "busy", source: "keboola", rows: Int64(run))], jobID: "j\(run)",
                at: start.addingTimeInterval(Double(run) * 60))
        }
        let busy = try await history.list(table: "busy")
        #expect(busy.map(\.rows) == [5, 4, 3], "the newest three")
        #expect(try await history.list(table: "quiet").map(\.jobID) == ["j0"])
        await system.close()
    }
}
