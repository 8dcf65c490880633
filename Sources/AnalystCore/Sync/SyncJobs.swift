import Foundation
import Logging
import Synchronization

/// Runs sync jobs one after another in the background and remembers the last 100 for `GET /api/sync/jobs/{id}`.
/// Each job extracts, records every table's outcome in `sync_history`, rebuilds, moves the query side to the new
/// file (`AnalyticsDatabase.reload`) and runs `onPublished` (manifest cache, profiles).
public final class SyncJobs: Sendable {
    let extract: @Sendable ([String]?) async -> [TableOutcome]
    let history: SyncHistory
    let orchestrator: Orchestrator
    let analytics: AnalyticsDatabase
    let onPublished: @Sendable (RebuildReport) async -> [String: String]
    let refreshProfiles: @Sendable (_ only: Set<String>?, _ giveWay: @Sendable () -> Bool) async -> TableProfiles.Pass
    let logger: Logger
    private let jobs = Mutex<[SyncJob]>([])
    /// Callers waiting for a job to finish, by job id.
    private let waiters = Mutex<[String: [CheckedContinuation<SyncJob?, Never>]]>([:])
    private let queue: AsyncStream<String>.Continuation
    /// The start-up rebuild's job, once queued, and whether its rebuild has run (successfully or not).
    private let startup = Mutex<(id: String?, rebuilt: Bool)>((nil, false))
    private let pending: AsyncStream<String>

    /// - Parameters:
    ///   - extract: runs the extract step for the tables (all when `nil`); returns each table's outcome.
    ///   - onPublished: runs after a rebuild (the manifest); returns errors.
    ///   - refreshProfiles: profiles changed tables (of `only`, when given; stopping when `giveWay` says so), then
    ///     refreshes what depends on profiles.
    public init(
        orchestrator: Orchestrator, analytics: AnalyticsDatabase, history: SyncHistory, logger: Logger,
        extract: @escaping @Sendable ([String]?) async -> [TableOutcome],
        onPublished: @escaping @Sendable (RebuildReport) async -> [String: String],
        refreshProfiles: @escaping @Sendable (_ only: Set<String>?, _ giveWay: @Sendable () -> Bool) async -> TableProfiles.Pass
    ) {
        self.refreshProfiles = refreshProfiles
        self.orchestrator = orchestrator
        self.analytics = analytics
        self.logger = logger
        self.extract = extract
        self.history = history
        self.onPublished = onPublished
        (pending, queue) = AsyncStream.makeStream(of: String.self)
    }

    /// Queues a job and returns it (status `queued`). `tables: []` runs no connector: only the rebuild, publishing
    /// what the extracts hold now; `profiles: false` skips profiling after it.
    public func trigger(tables: [String]?, profiles: Bool = true) -> SyncJob {
        var job = SyncJob(
            id: UUID().uuidString.lowercased(), tables: tables, status: .queued, step: .queued, createdAt: Date(),
            errors: [:])
        job.profiles = profiles
        return enqueue(job)
    }

    private func enqueue(_ job: SyncJob) -> SyncJob {
        let forgotten = jobs.withLock { jobs -> [CheckedContinuation<SyncJob?, Never>] in
            jobs.append(job)
            guard jobs.count > 100 else { return [] }
            let evicted = jobs.prefix(jobs.count - 100).map(\.id)
            jobs.removeFirst(jobs.count - 100)
            return waiters.withLock { waiters in evicted.flatMap { waiters.removeValue(forKey: $0) ?? [] } }
        }
        for waiter in forgotten { waiter.resume(returning: nil) }
        queue.yield(job.id)
        return job
    }

    public func job(id: String) -> SyncJob? {
        jobs.withLock { $0.first { $0.id == id } }
    }

    /// Whether a queued or running job covers `table` (the scheduler skips such tables instead of running them twice).
    public func isBusy(_ table: String) -> Bool {
        jobs.withLock { jobs in jobs.contains { !$0.status.isFinished && $0.covers(table) } }
    }

    /// Waits until job `id` has finished (for callers that answer after the work, such as uploads); `nil` for a job
    /// this server does not know. Woken by the job's end, not by polling.
    public func wait(for id: String) async -> SyncJob? {
        await withCheckedContinuation { continuation in
            // Checked and registered under one lock with `finish`, so an end between the two cannot be missed.
            let answer: SyncJob?? = jobs.withLock { jobs in
                guard let job = jobs.first(where: { $0.id == id }) else { return .some(nil) }
                if job.status.isFinished { return .some(job) }
                waiters.withLock { $0[id, default: []].append(continuation) }
                return .none
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    /// Runs queued jobs one after another until the task is cancelled (the server's lifetime). A job's profile step
    /// gives way when another job is queued (10,000 new tables are minutes of profiling); the tables it left are
    /// profiled between jobs, while none is queued, and a job that runs meanwhile profiles only the tables it
    /// extracted before it ends.
    public func run() async {
        var profilesLeft = false
        for await id in pending {
            profilesLeft = await execute(id, profilesLeft: profilesLeft) ?? profilesLeft
            while profilesLeft && !hasQueuedJob && !Task.isCancelled {
                profilesLeft = await refreshProfiles(nil) { self.hasQueuedJob }.left > 0
            }
        }
    }

    /// Whether a job waits for its turn.
    private var hasQueuedJob: Bool {
        jobs.withLock { jobs in jobs.contains { $0.status == .queued } }
    }

    /// Queues the rebuild that follows a start: the server serves the epoch published before it (the last
    /// `server.duckdb` and `sync_state`) until this job has published, then `isStarting` turns false. Call it once,
    /// before any other job.
    public func triggerStartup() -> SyncJob {
        let job = SyncJob(
            id: UUID().uuidString.lowercased(), tables: [], status: .queued, step: .queued, createdAt: Date(), errors: [:])
        startup.withLock { $0.id = job.id }  // before it is queued, so its end cannot come first
        return enqueue(job)
    }

    /// Whether the start-up rebuild has not published yet (see `triggerStartup`).
    public var isStarting: Bool {
        startup.withLock { $0.id != nil && !$0.rebuilt }
    }

    /// Runs job `id`; returns whether tables due for a profile were left unprofiled (`nil`: the job did not profile).
    /// `profilesLeft`: whether an earlier job left some.
    private func execute(_ id: String, profilesLeft: Bool) async -> Bool? {
        guard let job = update(id, { Self.start(&$0) }) else { return nil }
        let results = await extract(job.tables)
        var errors: [String: String] = [:]
        for result in results where result.status == .error {
            errors[result.table] = result.error ?? "failed"
        }
        do {
            try await history.append(results, jobID: id)
        } catch {
            logger.error("could not record sync history", metadata: ["job": "\(id)", "error": "\(error)"])
            errors["history"] = "could not record sync history: \(error)"
        }
        update(id) {
            $0.results = results
            Self.step(&$0, .rebuild, errors: errors)
        }
        do {
            let report = try await orchestrator.rebuild()
            try await analytics.reload()
            errors.merge(report.sourceErrors) { first, _ in first }
            errors.merge(report.tableErrors) { first, _ in first }
            errors.merge(await onPublished(report)) { first, _ in first }
            update(id) {
                $0.report = report
                Self.step(&$0, .profile, errors: errors)
            }
            markRebuilt(id)
            var left: Bool?
            if job.profiles {
                let extracted = Set(results.filter { $0.status == .ok }.map(\.table))
                let pass = await refreshProfiles(profilesLeft ? extracted : nil) { self.hasQueuedJob }
                errors.merge(pass.errors) { first, _ in first }
                left = pass.left > 0
            }
            finish(id, SyncJob.outcome(rebuildFailed: false, results: results, report: report, errors: errors), errors: errors)
            return left
        } catch {
            logger.error("sync job failed", metadata: ["job": "\(id)", "error": "\(error)"])
            errors["rebuild"] = "\(error)"
            // A failed start-up rebuild leaves the last epoch served, as any failed rebuild does: starting is over.
            markRebuilt(id)
            finish(id, .failed, errors: errors)
            return nil
        }
    }

    private func markRebuilt(_ id: String) {
        startup.withLock { if $0.id == id { $0.rebuilt = true } }
    }

    private static func start(_ job: inout SyncJob) {
        job.status = .running
        job.startedAt = Date()
        job.step = .extract
    }

    private static func step(_ job: inout SyncJob, _ step: SyncJob.Step, errors: [String: String]) {
        job.step = step
        job.errors = errors
    }

    /// Ends job `id` and wakes whoever waits for it.
    private func finish(_ id: String, _ status: SyncJob.Status, errors: [String: String]) {
        let (finished, woken) = jobs.withLock { jobs -> (SyncJob?, [CheckedContinuation<SyncJob?, Never>]) in
            guard let index = jobs.firstIndex(where: { $0.id == id }) else { return (nil, []) }
            jobs[index].status = status
            jobs[index].step = .done
            jobs[index].errors = errors
            jobs[index].finishedAt = Date()
            return (jobs[index], waiters.withLock { $0.removeValue(forKey: id) ?? [] })
        }
        for waiter in woken { waiter.resume(returning: finished) }
    }

    @discardableResult
    private func update(_ id: String, _ change: (inout SyncJob) -> Void) -> SyncJob? {
        jobs.withLock { jobs in
            guard let index = jobs.firstIndex(where: { $0.id == id }) else { return nil }
            change(&jobs[index])
            return jobs[index]
        }
    }
}
