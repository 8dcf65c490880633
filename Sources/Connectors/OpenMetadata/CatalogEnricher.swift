import AnalystCore
import AsyncHTTPClient
import DuckDB
import Foundation
import Logging

/// Enriches the catalog with what OpenMetadata says about each registered table, and exports the catalog's metric
/// definitions and table docs to `docs/` so `da sync` hands them out (reference `CatalogEnricher`, `catalog_export`).
///
/// Catalog requests only read this actor's cache (`catalog(for:)`), never the network: `run()` refreshes it in the
/// background at start and every `cache_ttl_seconds`, and fetches tables a request found missing. When the catalog
/// is down, slow or refuses the token, the last values keep being served (or none), one warning is logged, and it
/// is tried again a minute later; the token never reaches a log line.
public actor CatalogEnricher {
    /// What one refresh did.
    public struct Report: Sendable {
        /// Tables the catalog described.
        public var enriched: [String] = []
        /// Tables the catalog does not know (404): they have no enrichment.
        public var notInCatalog: [String] = []
        /// Tables whose entry could not be read, with why.
        public var failed: [String: String] = [:]
        /// Why the refresh stopped early (catalog unavailable); `nil` when it ran through.
        public var error: String?
        /// What happened to `docs/metrics` (`nil` when the metrics were not exported).
        public var metrics: GeneratedDocs.Outcome?
        /// What happened to `docs/tables`.
        public var tableDocs: GeneratedDocs.Outcome?
    }

    private struct Entry {
        /// `nil`: the catalog has no such table.
        var data: CatalogTableData?
    }

    /// Tables asked for at once.
    static let concurrentRequests = 4

    /// The settings this enricher runs with.
    public nonisolated let settings: OpenMetadataSettings
    let client: OpenMetadataClient
    let registry: TableRegistry
    let directory: DataDirectory
    let logger: Logger
    let onDocsChanged: @Sendable () async -> Void
    private let executor = BlockingExecutor(name: "catalog-docs")
    private var entries: [String: Entry] = [:]
    private var lastRefresh: Date?
    private var lastAttempt: Date?
    private var failing = false
    private var wanted: Set<String> = []
    private nonisolated let wakeups: AsyncStream<Void>
    private nonisolated let wake: AsyncStream<Void>.Continuation

    /// An enricher calling the catalog with `token`; `onDocsChanged` runs after files under `docs/` changed (the
    /// server refreshes the manifest's docs hash there).
    public init(
        settings: OpenMetadataSettings, token: String, registry: TableRegistry, directory: DataDirectory, logger: Logger,
        http: HTTPClient = .shared, onDocsChanged: @escaping @Sendable () async -> Void = {}
    ) {
        self.settings = settings
        self.client = OpenMetadataClient(settings: settings, token: token, http: http)
        self.registry = registry
        self.directory = directory
        self.logger = logger
        self.onDocsChanged = onDocsChanged
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The enricher for `settings`, or `nil` (logged) when OpenMetadata is not configured or its token is missing.
    public static func make(
        settings: ConnectorSettings, registry: TableRegistry, directory: DataDirectory, logger: Logger,
        onDocsChanged: @escaping @Sendable () async -> Void = {}
    ) -> CatalogEnricher? {
        guard let openMetadata = settings.openMetadata else { return nil }
        guard let token = openMetadata.token(environment: settings.environment) else {
            logger.warning(
                "OpenMetadata is configured but its token is missing: the catalog is served without enrichment",
                metadata: ["variable": "\(openMetadata.tokenVariable)"])
            return nil
        }
        return CatalogEnricher(
            settings: openMetadata, token: token, registry: registry, directory: directory, logger: logger,
            onDocsChanged: onDocsChanged)
    }

    // MARK: - Reading (catalog requests)

    /// What the cache holds for `ids` (tables the catalog does not describe are absent). Never waits for the
    /// network: ids never fetched are noted, and the background task fetches them.
    public func catalog(for ids: [String]) -> [String: CatalogTableData] {
        var found: [String: CatalogTableData] = [:]
        var missing = false
        for id in ids {
            if let entry = entries[id] {
                if let data = entry.data { found[id] = data }
            } else if !wanted.contains(id) {
                wanted.insert(id)
                missing = true
            }
        }
        if missing { wake.yield() }
        return found
    }

    // MARK: - Refreshing (background)

    /// Refreshes at once, then whenever due (every `cache_ttl_seconds`, a minute after a failure) or when a request
    /// found tables missing, until cancelled.
    public func run() async {
        let tick = min(settings.cacheTTL, .seconds(60))
        let wake = self.wake
        await withDiscardingTaskGroup { group in
            group.addTask {
                while true {
                    do {
                        try await Task.sleep(for: tick)
                    } catch {
                        return
                    }
                    wake.yield()
                }
            }
            _ = await refresh()
            for await _ in wakeups {
                if Task.isCancelled { break }
                _ = await refreshIfDue()
            }
            group.cancelAll()
        }
    }

    /// Refreshes everything when the last refresh is older than the TTL, else fetches the tables requests found
    /// missing; after a failure, nothing is asked before a minute (or the TTL, if shorter) has passed.
    @discardableResult
    public func refreshIfDue(now: Date = Date()) async -> Report? {
        let retry = min(settings.cacheTTL, .seconds(60))
        if failing, let lastAttempt, now < lastAttempt + retry.timeInterval { return nil }
        if lastRefresh.map({ now >= $0 + settings.cacheTTL.timeInterval }) ?? true {
            return await refresh(now: now)
        }
        guard !wanted.isEmpty else { return nil }
        let ids = wanted.sorted()
        wanted = []
        lastAttempt = now
        let report = await fetch(ids)
        note(report)
        return report
    }

    /// Fetches every registered table, exports the metrics and writes the table docs, now.
    @discardableResult
    public func refresh(now: Date = Date()) async -> Report {
        lastAttempt = now
        let ids: [String]
        do {
            ids = try await registry.list().map(\.id)
        } catch {
            var report = Report()
            report.error = "the table registry could not be read: \(error)"
            logger.error("the OpenMetadata refresh could not read the table registry", metadata: ["error": "\(error)"])
            return report
        }
        var report = await fetch(ids)
        // Tables no longer registered leave the cache, so it never outgrows the registry.
        let registered = Set(ids)
        entries = entries.filter { registered.contains($0.key) }
        wanted.subtract(ids)
        if report.error == nil, settings.exportMetrics { await exportMetrics(into: &report) }
        // A refresh that stopped early is tried again a minute later, not a TTL later.
        if report.error == nil { lastRefresh = now }
        await writeTableDocs(ids, into: &report)
        note(report)
        if report.metrics?.changedFiles == true || report.tableDocs?.changedFiles == true {
            await onDocsChanged()
        }
        return report
    }

    /// Asks the catalog for `ids`, a few at a time; stops after the first batch in which the catalog was unavailable.
    private func fetch(_ ids: [String]) async -> Report {
        var report = Report()
        let client = self.client, settings = self.settings
        var start = 0
        while start < ids.count, report.error == nil {
            let batch = ids[start..<min(start + CatalogEnricher.concurrentRequests, ids.count)]
            start += batch.count
            let results = await withTaskGroup(of: (String, Result<CatalogTableData?, OpenMetadataError>).self) { group in
                for id in batch {
                    group.addTask {
                        let fqn = settings.fqn(for: id)
                        do throws(OpenMetadataError) {
                            let table = try await client.table(fqn: fqn)
                            let data = table.map { entity in
                                CatalogTableData(
                                    entity, fqn: fqn, pageURL: client.pageURL("table", fqn: entity.fullyQualifiedName ?? fqn))
                            }
                            return (id, .success(data))
                        } catch {
                            return (id, .failure(error))
                        }
                    }
                }
                var results: [(String, Result<CatalogTableData?, OpenMetadataError>)] = []
                for await result in group { results.append(result) }
                return results
            }
            for (id, result) in results.sorted(by: { $0.0 < $1.0 }) {
                switch result {
                case .success(let data?):
                    entries[id] = Entry(data: data)
                    report.enriched.append(id)
                case .success(nil):
                    entries[id] = Entry(data: nil)
                    report.notInCatalog.append(id)
                case .failure(.unavailable(let message)):
                    report.error = message
                case .failure(let error):
                    report.failed[id] = error.description
                }
            }
        }
        return report
    }

    /// Writes `docs/metrics/<category>/<name>.yml` and `docs/metrics/metrics.yml` from the catalog's metrics and
    /// removes generated metric files no longer there. An empty metric list keeps the files there are (a catalog
    /// answering nothing is more often misconfigured than empty).
    private func exportMetrics(into report: inout Report) async {
        let metrics: [OpenMetadataMetric]
        do throws(OpenMetadataError) {
            metrics = try await client.metrics()
        } catch {
            report.error = error.description
            return
        }
        guard !metrics.isEmpty else {
            logger.info("OpenMetadata has no metrics; the metric docs are left as they are")
            return
        }
        var files: [String: String] = [:]
        var exported: [CatalogDocs.MetricFile] = []
        for metric in metrics {
            guard let file = CatalogDocs.metric(metric, pageURL: client.pageURL("metric", fqn: metric.fullyQualifiedName ?? metric.name))
            else {
                logger.warning("an OpenMetadata metric has no usable name; skipped", metadata: ["metric": "\(metric.name)"])
                continue
            }
            guard files[file.path] == nil, file.path != "metrics.yml" else {
                logger.warning("two OpenMetadata metrics map to one file; the second is skipped", metadata: ["file": "\(file.path)"])
                continue
            }
            do {
                files[file.path] = try file.yaml.render()
                exported.append(file)
            } catch {
                logger.warning(
                    "an OpenMetadata metric could not be written as YAML", metadata: ["metric": "\(metric.name)", "error": "\(error)"])
            }
        }
        do {
            files["metrics.yml"] = try CatalogDocs.metricIndex(exported).render()
        } catch {
            logger.warning("the metric index could not be written as YAML", metadata: ["error": "\(error)"])
        }
        report.metrics = await publish(files, under: "metrics", removeStale: true, header: "the catalog's metrics")
    }

    /// Writes `docs/tables/<id>.yml` for every table the cache describes; removes generated table docs of tables no
    /// longer described only when the refresh ran through (a failed refresh keeps them).
    private func writeTableDocs(_ ids: [String], into report: inout Report) async {
        var files: [String: String] = [:]
        for id in ids where Identifier.isValid(id) {
            guard let data = entries[id]?.data else { continue }
            if let text = try? CatalogDocs.table(id: id, data).render() { files["\(id).yml"] = text }
        }
        let complete = report.error == nil && report.failed.isEmpty
        report.tableDocs = await publish(files, under: "tables", removeStale: complete, header: "a table's catalog entry")
    }

    private func publish(_ files: [String: String], under folder: String, removeStale: Bool, header: String) async
        -> GeneratedDocs.Outcome?
    {
        let docs = GeneratedDocs(
            root: directory.docs.appendingPathComponent(folder),
            header: [
                "Source: \(settings.url.absoluteString) (\(header))",
                "DO NOT EDIT - changes are overwritten at the next catalog refresh; a file without this header is never touched",
            ])
        do {
            return try await executor.run { try docs.publish(files, removeStale: removeStale) }
        } catch {
            logger.warning("the catalog docs could not be written", metadata: ["folder": "\(folder)", "error": "\(error)"])
            return nil
        }
    }

    /// Logs the first failure of an outage as a warning (later ones at debug level) and the recovery.
    private func note(_ report: Report) {
        let problem = report.error ?? report.failed.sorted(by: { $0.key < $1.key }).first.map { "\($0.key): \($0.value)" }
        if let problem {
            if failing {
                logger.debug("OpenMetadata is still failing", metadata: ["error": "\(problem)"])
            } else {
                logger.warning(
                    "OpenMetadata catalog enrichment failed; the catalog is served from the last known values",
                    metadata: ["error": "\(problem)"])
            }
            failing = true
        } else if failing {
            logger.info("OpenMetadata answers again")
            failing = false
        }
    }
}

extension Duration {
    /// The duration as a `TimeInterval`, for date arithmetic.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
