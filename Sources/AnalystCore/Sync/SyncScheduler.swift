import Foundation
import Logging

/// Starts a sync job for the registered tables whose `sync_schedule` is due (compared with their last sync), checked
/// once a minute. Tables without a schedule sync only when triggered.
public struct SyncScheduler: Sendable {
    let registry: TableRegistry
    let syncState: SyncStateStore
    let jobs: SyncJobs
    let logger: Logger
    let interval: Duration

    public init(
        registry: TableRegistry, syncState: SyncStateStore, jobs: SyncJobs, logger: Logger, interval: Duration = .seconds(60)
    ) {
        self.registry = registry
        self.syncState = syncState
        self.jobs = jobs
        self.logger = logger
        self.interval = interval
    }

    /// The scheduled tables due at `now`.
    public func dueTables(now: Date = Date()) async throws -> [String] {
        let lastSync = Dictionary(uniqueKeysWithValues: try await syncState.all().map { ($0.id, $0.lastSync) })
        return try await registry.list().compactMap { table in
            guard let schedule = table.syncSchedule, schedule.isDue(lastRun: lastSync[table.id] ?? nil, now: now) else {
                return nil
            }
            return table.id
        }
    }

    /// Checks every `interval` until cancelled; never queues a second job while one it started is unfinished.
    public func run() async {
        var running: String?
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
                if let id = running, let job = jobs.job(id: id), job.status == .queued || job.status == .running { continue }
                let due = try await dueTables()
                guard !due.isEmpty else { continue }
                running = jobs.trigger(tables: due).id
                logger.info("scheduled sync started", metadata: ["tables": "\(due.joined(separator: ","))"])
            } catch is CancellationError {
                return
            } catch {
                logger.error("the sync scheduler could not check schedules", metadata: ["error": "\(error)"])
            }
        }
    }
}
