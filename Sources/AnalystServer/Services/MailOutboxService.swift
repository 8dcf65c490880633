import Messaging
import ServiceLifecycle

/// Sends the outbox's mail while the server runs; on graceful shutdown it takes no more and sends what is queued.
struct MailOutboxService: Service {
    let outbox: MailOutbox

    func run() async throws {
        await withGracefulShutdownHandler {
            await outbox.run()
        } onGracefulShutdown: {
            outbox.finish()
        }
    }
}
