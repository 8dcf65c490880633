import AnalystCore
import Logging
import ServiceLifecycle

/// Writes the audit buffer every second while the server runs, and once more on shutdown, after the HTTP
/// server has stopped and before the databases close (it is listed after `DatabaseService`, and services stop
/// in reverse order).
struct AuditService: Service {
    let audit: AuditLog
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await audit.flushPeriodically()
        }
        do {
            try await audit.flush()
            logger.info("audit log flushed")
        } catch {
            logger.error("could not write the last audit entries", metadata: ["error": "\(error)"])
        }
    }
}
