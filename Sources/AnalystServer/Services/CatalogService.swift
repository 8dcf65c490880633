import Connectors
import ServiceLifecycle

/// Keeps the OpenMetadata enrichment of the catalog fresh while the server runs: at start, every
/// `openmetadata.cache_ttl_seconds`, and for tables a request found missing. Only added when OpenMetadata is
/// configured. A graceful shutdown cancels a refresh in flight: the cache is only memory.
struct CatalogService: Service {
    let enricher: CatalogEnricher

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await enricher.run()
        }
    }
}
