import DuckDB
import Foundation

/// A source of tables: it writes the extract contract into `DATA_DIR/extracts/<sourceName>/` and nothing else.
/// The sync jobs run every connector's `extract` before a rebuild; the orchestrator only reads what they wrote.
public protocol Connector: Sendable {
    /// The `source_type` of the registry rows it serves, and its folder under `extracts/`.
    var sourceName: String { get }

    /// Refreshes the extract for `tables` (all of this source's tables when `nil`); returns errors by table (or by
    /// source, for a failure of the whole source). Runs off the cooperative pool when it blocks.
    func extract(tables: [String]?) async -> [String: String]
}
