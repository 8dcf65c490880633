import Connectors
import ServiceLifecycle

/// Applies the Jira webhook queue while the server runs (`JiraProcessor.run`): at start (events left by a crash or
/// a backfill), whenever the webhook queues one, and on a short rescan. A graceful shutdown stops it between
/// batches; whatever was not applied stays queued for the next start.
struct JiraService: Service {
    let processor: JiraProcessor

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await processor.run()
        }
    }
}
