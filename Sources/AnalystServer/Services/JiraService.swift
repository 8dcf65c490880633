import AnalystCore
import Connectors
import Logging
import ServiceLifecycle

/// Applies the Jira webhook queue while the server runs (`JiraProcessor.run`): at start (events left by a crash or
/// a backfill), whenever the webhook queues one, and on a short rescan. A graceful shutdown stops it between
/// batches; whatever was not applied stays queued for the next start.
///
/// When Jira is set up (a webhook secret or credentials), the six tables are registered first (those not registered
/// yet), so admins grant them like any other table.
struct JiraService: Service {
    let processor: JiraProcessor
    let registry: TableRegistry
    let logger: Logger

    func run() async throws {
        let settings = processor.settings
        if settings.webhookSecret != nil || settings.isConfigured {
            do {
                let added = try await JiraTable.register(in: registry, prefix: settings.tablePrefix)
                if !added.isEmpty { logger.info("registered the Jira tables", metadata: ["tables": "\(added.joined(separator: ","))"]) }
            } catch {
                logger.error("could not register the Jira tables", metadata: ["error": "\(error)"])
            }
        }
        await cancelWhenGracefulShutdown {
            await processor.run()
        }
    }
}
