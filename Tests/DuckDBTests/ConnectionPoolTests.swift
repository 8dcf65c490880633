import DuckDB
import Foundation
import Testing

/// A query that would run for hours unless interrupted.
/// It streams (constant memory), so other tests measuring memory are not disturbed.
let endlessQuery = "SELECT sum(i) FROM range(10000000000000) t(i)"

/// Waits (without blocking a thread) until `condition` holds; fails the test after 30 s.
func eventually(_ what: String, _ condition: () -> Bool) async throws {
    for _ in 0..<3_000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting for: \(what)")
    throw CancellationError()
}

@Suite(.serialized)
struct ConnectionPoolTests {
    let pool: ConnectionPool

    init() throws {
        let database = try Database(configuration: .init(threads: 1))
        pool = ConnectionPool(database: database, size: 2, name: "test-pool") { connection in
            try connection.execute("SET preserve_insertion_order = false")
        }
    }

    @Test func runsWorkOnPoolThreadsAndReturnsResults() async throws {
        #expect(ConnectionPool.currentThreadName == nil)
        let values = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await pool.withConnection { connection in
                        #expect(!Thread.isMainThread)
                        #expect(ConnectionPool.currentThreadName?.hasPrefix("test-pool-") == true)
                        guard case .bigint(let value) = try connection.query("SELECT ?::BIGINT * 2", [.integer(Int32(index))]).scalar()
                        else {
                            return -1
                        }
                        return value
                    }
                }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(values.sorted() == (0..<20).map { Int64($0 * 2) })
        await pool.shutdown()
    }

    @Test func cancellingATaskInterruptsItsRunningQuery() async throws {
        let started = Date()
        let task = Task { try await pool.withConnection { try $0.query(endlessQuery).rows() } }
        try await eventually("the query runs") { pool.load.running == 1 }
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        try await eventually("the connection is released") { pool.load.running == 0 }
        // The connection is usable again afterwards.
        #expect(try await pool.withConnection { try $0.query("SELECT 1").scalar() } == .integer(1))
        #expect(Date().timeIntervalSince(started) < 60, "the interrupted query should stop long before it ends")
        await pool.shutdown()
    }

    @Test func anInterruptAlsoStopsTheJobsLaterStatements() async throws {
        let task = Task {
            try await pool.withConnection { connection -> String in
                _ = try? connection.query(endlessQuery).rows()  // interrupted; the job ignores that error…
                return try connection.query("SELECT 'should not run'").scalar().map { "\($0)" } ?? ""
            }
        }
        try await eventually("the query runs") { pool.load.running == 1 }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        await pool.shutdown()
    }

    @Test func cancellingQueuedWorkRemovesItWithoutRunningIt() async throws {
        let blockers = (0..<2).map { _ in Task { try await pool.withConnection { try $0.query(endlessQuery).rows() } } }
        try await eventually("both connections are busy") { pool.load.running == 2 }
        let ran = ManagedFlag()
        let queued = Task { try await pool.withConnection { _ in ran.set() } }
        try await eventually("the third call waits") { pool.load.queued == 1 }
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(pool.load.queued == 0)
        #expect(pool.load.running == 2)
        blockers.forEach { $0.cancel() }
        for blocker in blockers { _ = await blocker.result }
        #expect(!ran.isSet)
        await pool.shutdown()
    }

    @Test func aTimeoutInterruptsTheQuery() async throws {
        let error = await #expect(throws: DuckDBError.self) {
            try await pool.withConnection(timeout: .milliseconds(300)) { try $0.query(endlessQuery).rows() }
        }
        #expect(error == .timedOut(seconds: 0.3))
        #expect(try await pool.withConnection(timeout: .seconds(30)) { try $0.query("SELECT 2").scalar() } == .integer(2))
        await pool.shutdown()
    }

    @Test func shutdownFinishesQueuedWorkThenRefusesMore() async throws {
        let counter = ManagedCounter()
        let work = (0..<6).map { _ in
            Task {
                try await pool.withConnection { connection in
                    _ = try connection.query("SELECT count(*) FROM range(1000000)").rows()
                    counter.increment()
                }
            }
        }
        try await eventually("work started") { pool.load.running > 0 || counter.value > 0 }
        await pool.shutdown()
        var finished = 0
        for task in work where (try? await task.value) != nil { finished += 1 }
        #expect(finished == counter.value)
        let error = await #expect(throws: DuckDBError.self) { try await pool.withConnection { _ in 1 } }
        #expect(error == .poolShutDown)
    }

    @Test func bodyErrorsPassThroughUnchanged() async throws {
        let error = await #expect(throws: DuckDBError.self) {
            try await pool.withConnection { try $0.query("SELECT * FROM missing_table").rows() }
        }
        #expect(error?.message.contains("missing_table") == true)
        await pool.shutdown()
    }
}

/// Thread-safe flag and counter for observing work done on pool threads.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.withLock { flag = true } }
    var isSet: Bool { lock.withLock { flag } }
}

final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

@Suite struct ConnectionPoolShutdownTests {
    @Test func aGracePeriodBoundsShutdownByInterruptingEndlessWork() async throws {
        let pool = ConnectionPool(database: try Database(configuration: .init(threads: 1)), size: 1)
        let endless = Task { try await pool.withConnection { try $0.query(endlessQuery).rows() } }
        try await eventually("the query runs") { pool.load.running == 1 }
        let queued = Task { try await pool.withConnection { _ in 1 } }
        try await eventually("the second call waits") { pool.load.queued == 1 }
        await pool.shutdown(gracePeriod: .milliseconds(200))
        let endlessError = await #expect(throws: DuckDBError.self) { try await endless.value }
        #expect(endlessError == .poolShutDown)
        let queuedError = await #expect(throws: DuckDBError.self) { try await queued.value }
        #expect(queuedError == .poolShutDown)
    }

    /// Cached statements hold their connection; a pool that shuts down drops them, so the database is released.
    @Test func shutdownReleasesADatabaseWhoseConnectionsCachedStatements() async throws {
        weak var released: Database?
        do {
            let database = try Database()
            released = database
            let pool = ConnectionPool(database: database, size: 2, name: "cache-pool")
            let answer = try await pool.withConnection { connection in
                try connection.cachedStatement("SELECT 42").execute().rows()
            }
            #expect(answer == [[.integer(42)]])
            await pool.shutdown()
        }
        try await eventually("the database is released") { released == nil }
    }
}
