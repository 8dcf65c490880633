import AnalystAPI
import Foundation
import Logging

/// The extract step of a sync job: finds the registered tables asked for, groups them by `source_type` and runs
/// each source's connector once with its group (tables without a `source_type` belong to the files source).
///
/// A table of a known source that is not configured here fails with the reason (`unconfigured`); a table of any
/// other source is skipped: its extract folder is written by something else (the sample data, an external job) and
/// is published as it is.
public struct Extraction: Sendable {
    /// The source every unqualified table belongs to.
    public static let defaultSource = "files"

    let connectors: [String: any Connector]
    /// Sources this server knows but cannot run, with what to configure.
    let unconfigured: [String: String]
    let registry: TableRegistry
    let logger: Logger

    public init(connectors: [any Connector], unconfigured: [String: String] = [:], registry: TableRegistry, logger: Logger) {
        self.connectors = Dictionary(connectors.map { ($0.sourceName, $0) }, uniquingKeysWith: { first, _ in first })
        self.unconfigured = unconfigured
        self.registry = registry
        self.logger = logger
    }

    /// Runs the extract for `ids` (every source, whole, when `nil`); returns every table's outcome.
    public func run(_ ids: [String]?) async -> [TableOutcome] {
        let registered: [RegisteredTable]
        do {
            registered = try await registry.list()
        } catch {
            logger.error("could not read the table registry", metadata: ["error": "\(error)"])
            return (ids ?? []).map { TableOutcome.failed($0, source: "registry", "could not read the table registry: \(error)") }
        }
        let bySource = Dictionary(grouping: registered) { $0.sourceType ?? Extraction.defaultSource }
        let wanted = ids.map(Set.init)
        var sources = Set(bySource.keys)
        if wanted == nil { sources.formUnion(connectors.keys) }
        var outcomes: [TableOutcome] = []
        for source in sources.sorted() {
            let all = bySource[source] ?? []
            let chosen = wanted.map { wanted in all.filter { wanted.contains($0.id) } } ?? all
            guard wanted == nil || !chosen.isEmpty else { continue }
            guard let connector = connectors[source] else {
                if let reason = unconfigured[source] {
                    outcomes += chosen.map { TableOutcome.failed($0.id, source: source, reason) }
                } else {
                    outcomes += chosen.map {
                        TableOutcome(
                            table: $0.id, source: source, status: .skipped,
                            error: "no connector runs source_type \"\(source)\"; its extract is published as it is")
                    }
                }
                continue
            }
            let started = ContinuousClock.now
            let results = await connector.extract(ExtractRun(tables: chosen, registered: all, isWholeSource: wanted == nil))
            logger.info(
                "extracted a source",
                metadata: [
                    "source": "\(source)", "tables": "\(results.count)",
                    "failed": "\(results.filter { $0.status == .error }.count)",
                    "ms": "\(started.duration(to: .now).wholeMilliseconds)",
                ])
            outcomes += results
        }
        return outcomes
    }
}
