import AnalystCore
import Logging
import ServiceLifecycle

/// Runs queued sync jobs while the server runs; a graceful shutdown stops taking new ones (a running rebuild
/// finishes on its own thread). Listed after `DatabaseService`, so it stops before the databases close.
struct SyncService: Service {
    let jobs: SyncJobs
    let scheduler: SyncScheduler?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await jobs.run() }
                if let scheduler { group.addTask { await scheduler.run() } }
            }
        }
    }
}
