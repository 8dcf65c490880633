import Logging
import ServiceLifecycle

/// Keeps the databases open while the server runs: drains the query epochs that rebuilds replace, and on graceful
/// shutdown, after the HTTP server has stopped taking requests (services shut down in reverse order, and this one
/// is listed first), closes the databases once those drains are done.
struct DatabaseService: Service {
    let dependencies: ServerDependencies

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await dependencies.stores.analytics.drainReplacedEpochs() }
            try? await gracefulShutdown()
            dependencies.logger.info("closing databases")
            await dependencies.close()
        }
        dependencies.logger.info("databases closed")
    }
}
