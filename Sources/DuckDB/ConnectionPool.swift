import Dispatch
import Foundation

/// A fixed set of connections to one database, each owned by a dedicated thread, behind an `async` API.
///
/// DuckDB calls block, so they never run on Swift's cooperative pool: `withConnection` queues the work and
/// suspends; a pool thread runs it on its own connection. Cancelling the calling task removes queued work or
/// interrupts the running query (`duckdb_interrupt`); a per-call `timeout` does the same and throws
/// `DuckDBError.timedOut`. `shutdown()` lets queued and running work finish, then closes every connection.
public final class ConnectionPool: Sendable {
    /// Number of connections (and threads).
    public let size: Int
    /// The database the connections belong to.
    public let database: Database
    private let state: PoolState

    /// Opens `size` connections to `database`, each prepared by `setup` on its own thread (e.g. `ATTACH`, `SET`).
    /// A `setup` failure makes every call on that connection fail with the setup's error.
    public init(
        database: Database, size: Int, name: String = "duckdb",
        setup: (@Sendable (Connection) throws -> Void)? = nil
    ) {
        precondition(size > 0, "a connection pool needs at least one connection")
        self.size = size
        self.database = database
        self.state = PoolState(workerCount: size)
        for index in 0..<size {
            let state = self.state
            let threadName = "\(name)-\(index)"
            // The thread gets the database through a box it empties, so a finished thread (whose block Foundation
            // may release late) never keeps the database open after `shutdown()`.
            let handOver = DatabaseHandOver(database)
            let thread = Thread {
                Thread.current.name = threadName
                Thread.current.threadDictionary[ConnectionPool.threadKey] = threadName
                PoolState.runWorker(index: index, state: state, database: handOver.take(), setup: setup)
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit {
        state.beginShutdown()
    }

    /// Runs `body` with one of the pool's connections on the pool's thread and returns its result.
    ///
    /// Throws `CancellationError` when the task is cancelled, `DuckDBError.timedOut` after `timeout` (counted
    /// from the call, waiting included), `DuckDBError.poolShutDown` after `shutdown()`, or what `body` threw.
    /// Results streamed from the connection must be consumed inside `body`.
    public func withConnection<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        let job = Job()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                let state = self.state
                job.run = { connection in
                    let result = Result { try body(connection) }
                    continuation.resume(with: result.mapError { state.translate($0, for: job) })
                }
                job.fail = { continuation.resume(throwing: $0) }
                state.submit(job)
                if let timeout {
                    let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
                    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                        state.stop(job, reason: .timedOut(seconds: seconds))
                    }
                }
            }
        } onCancel: {
            state.stop(job, reason: .cancelled)
        }
    }

    /// Stops taking work, lets queued and running work finish, then closes the connections and ends the threads.
    ///
    /// With a `gracePeriod`, work still queued or running when it ends is failed or interrupted with
    /// `DuckDBError.poolShutDown`, so one endless query cannot hold a server's shutdown forever.
    public func shutdown(gracePeriod: Duration? = nil) async {
        let state = self.state
        let deadline = gracePeriod.map { period in
            Task {
                try await Task.sleep(for: period)
                state.abandonRemainingWork()
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.beginShutdown(whenDone: continuation)
        }
        deadline?.cancel()
    }

    /// The name of the pool thread the caller runs on (`"<name>-<index>"`), or `nil` off the pool's threads.
    public static var currentThreadName: String? {
        Thread.current.threadDictionary[threadKey] as? String
    }

    static let threadKey = "ai-data-analyst.connection-pool-thread"

    /// How many calls run and wait right now (for health and metrics).
    public var load: (running: Int, queued: Int) {
        state.load
    }
}

/// Passes the database to a worker thread exactly once. `@unchecked Sendable`: `database` is written once at
/// init and cleared by the single worker that takes it, under `lock`.
private final class DatabaseHandOver: @unchecked Sendable {
    private let lock = NSLock()
    private var database: Database?

    init(_ database: Database) {
        self.database = database
    }

    func take() -> Database? {
        lock.withLock {
            defer { database = nil }
            return database
        }
    }
}

/// One queued or running call. Every field is guarded by the pool's `PoolState.condition`.
private final class Job: @unchecked Sendable {
    enum Phase { case pending, queued, running(worker: Int), done }
    var phase: Phase = .pending
    var stopReason: StopReason?
    /// Runs the body and resumes the caller; called by the worker once the job is `running`.
    var run: ((Connection) -> Void)?
    /// Resumes the caller with an error; called by whoever moves a non-running job to `done`.
    var fail: ((Error) -> Void)?

    /// Marks the job done and hands back its `fail` closure to call after unlocking; dropping both closures
    /// breaks the job ↔ closure reference cycle. Call with the pool's lock held.
    func finishWithoutRunning() -> ((Error) -> Void)? {
        let fail = self.fail
        phase = .done
        run = nil
        self.fail = nil
        return fail
    }
}

private enum StopReason {
    case cancelled
    case timedOut(seconds: Double)
    case shutDown

    var error: Error {
        switch self {
        case .cancelled: CancellationError()
        case .timedOut(let seconds): DuckDBError.timedOut(seconds: seconds)
        case .shutDown: DuckDBError.poolShutDown
        }
    }
}

/// The pool's queue and workers.
///
/// `@unchecked Sendable`: every mutable field is read and written only while `condition` is locked.
private final class PoolState: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var interrupters: [Int: Interrupter] = [:]
    private var running: [Int: Job] = [:]
    private var isShutDown = false
    private var liveWorkers: Int
    private var shutdownWaiters: [CheckedContinuation<Void, Never>] = []

    init(workerCount: Int) {
        self.liveWorkers = workerCount
    }

    var load: (running: Int, queued: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (running.count, queue.count)
    }

    func submit(_ job: Job) {
        condition.lock()
        var failure: Error?
        if let reason = job.stopReason {
            failure = reason.error
        } else if isShutDown {
            failure = DuckDBError.poolShutDown
        }
        var fail: ((Error) -> Void)?
        if failure != nil {
            fail = job.finishWithoutRunning()
        } else {
            job.phase = .queued
            queue.append(job)
            condition.signal()
        }
        condition.unlock()
        if let failure { fail?(failure) }
    }

    /// Cancels or times out a job: a queued job fails at once, a running one has its query interrupted.
    func stop(_ job: Job, reason: StopReason) {
        condition.lock()
        var failQueued: ((Error) -> Void)?
        if job.stopReason == nil {
            switch job.phase {
            case .pending:
                job.stopReason = reason
            case .queued:
                job.stopReason = reason
                queue.removeAll { $0 === job }
                failQueued = job.finishWithoutRunning()
            case .running(let worker):
                job.stopReason = reason
                // Interrupt while holding the lock: the worker cannot finish this job and start the next one
                // in between, so the interrupt can only hit this job's query.
                interrupters[worker]?.interrupt()
            case .done:
                break
            }
        }
        condition.unlock()
        failQueued?(reason.error)
    }

    /// Maps an error thrown by an interrupted body to the reason it was interrupted.
    func translate(_ error: Error, for job: Job) -> Error {
        condition.lock()
        let reason = job.stopReason
        condition.unlock()
        if let reason, let duckDBError = error as? DuckDBError, duckDBError == .interrupted {
            return reason.error
        }
        return error
    }

    /// Fails queued work and interrupts running work (the end of a shutdown's grace period).
    func abandonRemainingWork() {
        condition.lock()
        let abandoned = queue
        queue.removeAll()
        let failures = abandoned.compactMap { job -> ((Error) -> Void)? in
            job.stopReason = .shutDown
            return job.finishWithoutRunning()
        }
        for (worker, job) in running where job.stopReason == nil {
            job.stopReason = .shutDown
            interrupters[worker]?.interrupt()
        }
        condition.unlock()
        failures.forEach { $0(DuckDBError.poolShutDown) }
    }

    func beginShutdown(whenDone waiter: CheckedContinuation<Void, Never>? = nil) {
        condition.lock()
        isShutDown = true
        let done = liveWorkers == 0
        if let waiter, !done { shutdownWaiters.append(waiter) }
        condition.broadcast()
        condition.unlock()
        if done { waiter?.resume() }
    }

    static func runWorker(
        index: Int, state: PoolState, database: Database?, setup: (@Sendable (Connection) throws -> Void)?
    ) {
        do {
            var connection: Connection?
            var connectError: Error?
            do {
                guard let database else { throw DuckDBError.connectFailed(message: "the pool's database is gone") }
                let opened = try database.connect()
                try setup?(opened)
                connection = opened
            } catch {
                connectError = error
            }
            state.workerLoop(index: index, connection: connection, connectError: connectError)
        }
        // The connection is closed by now: only then may `shutdown()` return.
        state.workerFinished(index: index)
    }

    private func workerFinished(index: Int) {
        condition.lock()
        liveWorkers -= 1
        let waiters = liveWorkers == 0 ? shutdownWaiters : []
        if liveWorkers == 0 { shutdownWaiters = [] }
        condition.unlock()
        waiters.forEach { $0.resume() }
    }

    /// Runs jobs until the pool shuts down and its queue is empty.
    private func workerLoop(index: Int, connection: Connection?, connectError: Error?) {
        condition.lock()
        if let connection { interrupters[index] = connection.interrupter }
        condition.unlock()
        while true {
            condition.lock()
            while queue.isEmpty && !isShutDown {
                condition.wait()
            }
            if queue.isEmpty {
                interrupters[index] = nil
                condition.unlock()
                // Cached statements hold the connection; without them it closes when this worker lets go of it.
                connection?.removeCachedStatements()
                return
            }
            let job = queue.removeFirst()
            job.phase = .running(worker: index)
            running[index] = job
            connection?.handle.clearInterrupt()
            let run = job.run, fail = job.fail
            condition.unlock()

            if let connection, let run {
                run(connection)
            } else {
                fail?(connectError ?? DuckDBError.connectFailed(message: "no connection"))
            }

            condition.lock()
            job.phase = .done
            job.run = nil
            job.fail = nil
            running[index] = nil
            condition.unlock()
        }
    }
}
