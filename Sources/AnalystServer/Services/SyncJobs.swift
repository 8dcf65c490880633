import AnalystCore
import Foundation
import Logging
import Synchronization

/// One sync run: the extract step for the chosen tables, then a rebuild, then profiles for changed tables.
public struct SyncJob: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case queued, running, succeeded, failed
    }

    public let id: String
    /// The table ids asked for; `nil` means all.
    public var tables: [String]?
    public var status: Status
    /// The step running now or last run (`extract`, `rebuild`, `profile`, `done`).
    public var step: String
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var report: RebuildReport?
    /// Errors by table or source (a failed source does not fail the job; a failed rebuild does).
    public var errors: [String: String]
}

/// Runs sync jobs one after another in the background and remembers the last 100 for `GET /api/sync/jobs/{id}`.
/// After each rebuild the query side moves to the new file (`AnalyticsDatabase.reload`) and `onPublished` runs
/// (manifest cache, profiles).
public final class SyncJobs: Sendable {
    let extract: @Sendable ([String]?) async -> [String: String]
    let orchestrator: Orchestrator
    let analytics: AnalyticsDatabase
    let onPublished: @Sendable (RebuildReport) async -> [String: String]
    let refreshProfiles: @Sendable () async -> [String: String]
    let logger: Logger
    private let jobs = Mutex<[SyncJob]>([])
    private let queue: AsyncStream<String>.Continuation
    private let pending: AsyncStream<String>

    /// - Parameters:
    ///   - extract: runs the extract step for the tables (all when `nil`); returns errors by table or source.
    ///   - onPublished: runs after a rebuild (the manifest); returns errors.
    ///   - refreshProfiles: profiles changed tables, then refreshes what depends on profiles; returns errors by table.
    public init(
        orchestrator: Orchestrator, analytics: AnalyticsDatabase, logger: Logger,
        extract: @escaping @Sendable ([String]?) async -> [String: String],
        onPublished: @escaping @Sendable (RebuildReport) async -> [String: String],
        refreshProfiles: @escaping @Sendable () async -> [String: String]
    ) {
        self.refreshProfiles = refreshProfiles
        self.orchestrator = orchestrator
        self.analytics = analytics
        self.logger = logger
        self.extract = extract
        self.onPublished = onPublished
        (pending, queue) = AsyncStream.makeStream(of: String.self)
    }

    /// Queues a job and returns it (status `queued`).
    public func trigger(tables: [String]?) -> SyncJob {
        let job = SyncJob(
            id: UUID().uuidString.lowercased(), tables: tables, status: .queued, step: "queued", createdAt: Date(),
            errors: [:])
        jobs.withLock { jobs in
            jobs.append(job)
            if jobs.count > 100 { jobs.removeFirst(jobs.count - 100) }
        }
        queue.yield(job.id)
        return job
    }

    public func job(id: String) -> SyncJob? {
        jobs.withLock { $0.first { $0.id == id } }
    }

    /// Waits until job `id` has finished (for callers that answer after the work, such as uploads).
    public func wait(for id: String, pollEvery interval: Duration = .milliseconds(20)) async throws -> SyncJob? {
        while let job = job(id: id) {
            if job.status == .succeeded || job.status == .failed { return job }
            try await Task.sleep(for: interval)
        }
        return nil
    }

    /// Profiles what the start-up rebuild left unprofiled, then runs queued jobs until the task is cancelled (the
    /// server's lifetime).
    public func run() async {
        _ = await refreshProfiles()
        for await id in pending {
            await execute(id)
        }
    }

    /// Publishes a rebuild made outside any job (at server start, before the query side opened); profiles follow
    /// when the sync service starts.
    public func announce(_ report: RebuildReport) async {
        _ = await onPublished(report)
    }

    private func execute(_ id: String) async {
        guard let job = update(id, { Self.start(&$0) }) else { return }
        var errors = await extract(job.tables)
        update(id) { Self.step(&$0, "rebuild", errors: errors) }
        do {
            let report = try await orchestrator.rebuild()
            try await analytics.reload()
            errors.merge(report.sourceErrors) { first, _ in first }
            errors.merge(report.tableErrors) { first, _ in first }
            errors.merge(await onPublished(report)) { first, _ in first }
            update(id) {
                $0.report = report
                Self.step(&$0, "profile", errors: errors)
            }
            errors.merge(await refreshProfiles()) { first, _ in first }
            update(id) { Self.finish(&$0, .succeeded, errors: errors) }
        } catch {
            logger.error("sync job failed", metadata: ["job": "\(id)", "error": "\(error)"])
            errors["rebuild"] = "\(error)"
            update(id) { Self.finish(&$0, .failed, errors: errors) }
        }
    }

    private static func start(_ job: inout SyncJob) {
        job.status = .running
        job.startedAt = Date()
        job.step = "extract"
    }

    private static func step(_ job: inout SyncJob, _ name: String, errors: [String: String]) {
        job.step = name
        job.errors = errors
    }

    private static func finish(_ job: inout SyncJob, _ status: SyncJob.Status, errors: [String: String]) {
        job.status = status
        job.step = "done"
        job.errors = errors
        job.finishedAt = Date()
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
