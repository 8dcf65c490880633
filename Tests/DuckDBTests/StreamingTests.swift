import DuckDB
import Foundation
import Testing

/// Resident memory of this process, from /proc (Linux).
func residentMegabytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = status.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

@Suite(.serialized)
struct StreamingTests {
    @Test("10M rows stream in bounded memory")
    func tenMillionRowsInBoundedMemory() throws {
        let database = try Database(configuration: .init(threads: 2, memoryLimit: "256MB"))
        let connection = try database.connect()
        // Materialised, these rows take over 1 GB; streamed, one chunk at a time, a few tens of MB. The bound
        // below leaves room for tests running in parallel in this process (argon2 alone takes 64 MiB a hash).
        let result = try connection.query(
            "SELECT i, 'row-number-' || i || repeat('x', 80) AS label FROM range(10000000) t(i)")
        let baseline = residentMegabytes()
        var peak = baseline
        var rows = 0
        var sum: Int64 = 0
        var lastLabel: String?
        var chunks = 0
        while let chunk = try result.nextChunk() {
            rows += chunk.count
            sum &+= chunk.withInt64Buffer(column: 0) { $0.reduce(0, &+) } ?? 0
            chunks += 1
            if chunks % 256 == 0 {
                peak = max(peak, residentMegabytes())
                lastLabel = chunk.strings(column: 1).last ?? nil
            }
        }
        peak = max(peak, residentMegabytes())
        #expect(rows == 10_000_000)
        #expect(sum == 49_999_995_000_000)
        #expect(lastLabel?.hasPrefix("row-number-") == true)
        #expect(peak - baseline < 400, "resident memory grew by \(peak - baseline) MB while streaming")
    }

    @Test func rowsHonoursLimitAndScalarReadsFirstCell() throws {
        let connection = try Database().connect()
        let rows = try connection.query("SELECT i FROM range(100000) t(i)").rows(limit: 3)
        #expect(rows == [[.bigint(0)], [.bigint(1)], [.bigint(2)]])
        #expect(try connection.query("SELECT 7 WHERE false").scalar() == nil)
        let typed = try #require(try connection.query("SELECT i::INTEGER, i * 0.5, i::VARCHAR FROM range(3) t(i)").nextChunk())
        #expect(typed.int64s(column: 0) == [0, 1, 2])
        #expect(typed.strings(column: 2) == ["0", "1", "2"])
        #expect(!typed.isNull(column: 1, row: 2))
    }
}
