import Foundation
import Logging

/// The server's one scheduler for table syncs: once a minute it finds the registered tables whose `sync_schedule`
/// is due (compared with when each last ran, from `sync_history`, so a restart keeps the rhythm) and queues one job
/// per source with its due tables. A table a queued or running job already covers is skipped with a log line,
/// never run twice at once. Tables without a schedule sync only when triggered.
public struct SyncScheduler: Sendable {
    let registry: TableRegistry
    let history: SyncHistory
    let jobs: SyncJobs
    let logger: Logger
    let interval: Duration

    public init(
        registry: TableRegistry, history: SyncHistory, jobs: SyncJobs, logger: Logger, interval: Duration = .seconds(60)
    ) {
        self.registry = registry
        self.history = history
        self.jobs = jobs
        self.logger = logger
        self.interval = interval
    }

    /// The scheduled tables due at `now`, by source.
    public func dueTables(now: Date = Date()) async throws -> [String: [String]] {
        SyncScheduler.due(try await registry.list(), lastRuns: try await history.lastRuns(), now: now)
    }

    /// Which of `tables` are due at `now`, by source, given when each last ran (a table that never ran is due).
    public static func due(_ tables: [RegisteredTable], lastRuns: [String: Date], now: Date) -> [String: [String]] {
        var due: [String: [String]] = [:]
        for table in tables {
            guard let schedule = table.syncSchedule, schedule.isDue(lastRun: lastRuns[table.id], now: now) else { continue }
            due[table.sourceType ?? Extraction.defaultSource, default: []].append(table.id)
        }
        return due
    }

    /// Queues a job per source for its due tables that no unfinished job covers; returns the jobs queued.
    @discardableResult
    public func tick(now: Date = Date()) async throws -> [SyncJob] {
        var queued: [SyncJob] = []
        for (source, tables) in try await dueTables(now: now).sorted(by: { $0.key < $1.key }) {
            let busy = tables.filter(jobs.isBusy)
            if !busy.isEmpty {
                logger.info(
                    "skipping scheduled tables whose previous run is still going",
                    metadata: ["source": "\(source)", "tables": "\(busy.joined(separator: ","))"])
            }
            let ready = tables.filter { !busy.contains($0) }
            guard !ready.isEmpty else { continue }
            let job = jobs.trigger(tables: ready)
            logger.info(
                "scheduled sync queued",
                metadata: ["source": "\(source)", "tables": "\(ready.joined(separator: ","))", "job": "\(job.id)"])
            queued.append(job)
        }
        return queued
    }

    /// Checks every `interval` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
                try await tick()
            } catch is CancellationError {
                return
            } catch {
                logger.error("the sync scheduler could not check schedules", metadata: ["error": "\(error)"])
            }
        }
    }
}
