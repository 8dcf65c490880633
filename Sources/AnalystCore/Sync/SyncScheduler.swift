import Foundation
import Logging

/// The server's one scheduler for table syncs: once a minute it finds the registered tables whose `sync_schedule`
/// is due (compared with when each last ran, from `sync_history`, so a restart keeps the rhythm) and queues one job
/// per source with its due tables. A table a queued or running job already covers is skipped with a log line,
/// never run twice at once. Tables without a schedule sync only when triggered.
///
/// At the same checks it starts the periodic passes that are due (e.g. the Jira SLA poll every 5 minutes); a pass
/// still running is skipped, never stacked.
public struct SyncScheduler: Sendable {
    let registry: TableRegistry
    let history: SyncHistory
    let jobs: SyncJobs
    let logger: Logger
    let interval: Duration
    public let passes: [PeriodicPass]

    public init(
        registry: TableRegistry, history: SyncHistory, jobs: SyncJobs, logger: Logger, interval: Duration = .seconds(60),
        passes: [PeriodicPass] = []
    ) {
        self.registry = registry
        self.history = history
        self.jobs = jobs
        self.logger = logger
        self.interval = interval
        self.passes = passes
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

    /// The passes due now, marked started; those still running are logged and skipped.
    func duePasses(now: ContinuousClock.Instant = .now) -> [PeriodicPass] {
        passes.filter { pass in
            switch pass.claim(now: now) {
            case .yes: return true
            case .no: return false
            case .stillRunning:
                logger.info("skipping a periodic pass whose previous run is still going", metadata: ["pass": "\(pass.name)"])
                return false
            }
        }
    }

    /// Checks every `interval` until cancelled; passes run beside the checks, and are cancelled with them.
    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    group.cancelAll()
                    return
                }
                for pass in duePasses() {
                    group.addTask {
                        logger.info("periodic pass started", metadata: ["pass": "\(pass.name)"])
                        await pass.run()
                    }
                }
                do {
                    try await tick()
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("the sync scheduler could not check schedules", metadata: ["error": "\(error)"])
                }
            }
            group.cancelAll()
        }
    }
}
