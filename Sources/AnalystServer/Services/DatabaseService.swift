import Logging
import ServiceLifecycle

/// Keeps the databases open while the server runs and closes them on graceful shutdown, after the HTTP
/// server has stopped taking requests (services shut down in reverse order, and this one is listed first).
struct DatabaseService: Service {
    let dependencies: ServerDependencies

    func run() async throws {
        try? await gracefulShutdown()
        dependencies.logger.info("closing databases")
        await dependencies.close()
        dependencies.logger.info("databases closed")
    }
}
