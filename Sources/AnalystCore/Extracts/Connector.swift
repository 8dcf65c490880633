import Foundation

/// A source of tables: it writes the extract contract into `DATA_DIR/extracts/<sourceName>/` and nothing else.
/// The sync jobs run every connector's `extract` before a rebuild; the orchestrator only reads what they wrote.
public protocol Connector: Sendable {
    /// The `source_type` of the registry rows it serves, and its folder under `extracts/`.
    var sourceName: String { get }

    /// Refreshes `run.tables` and rewrites the source's extract, which keeps listing the registered tables that did
    /// not run. Returns one outcome per table it tried; a failure of the whole source is an error outcome for each
    /// of its tables. Never replaces a table's good data with a failed or partial run. Runs blocking work off the
    /// cooperative pool.
    func extract(_ run: ExtractRun) async -> [TableOutcome]
}

/// What one connector is asked to do in one sync job.
public struct ExtractRun: Sendable {
    /// The registered tables of this source to refresh now.
    public var tables: [RegisteredTable]
    /// Every table registered for this source; the extract keeps listing those not in `tables` as they were.
    public var registered: [RegisteredTable]
    /// Whether the whole source runs (a trigger without a table list); a source may then also publish tables it
    /// finds on its own (the inbox of the files source).
    public var isWholeSource: Bool

    public init(tables: [RegisteredTable], registered: [RegisteredTable], isWholeSource: Bool) {
        self.tables = tables
        self.registered = registered
        self.isWholeSource = isWholeSource
    }
}

/// What one table's extract did in one run: rows and bytes read from the source, how long it took, and why it
/// failed (then the table keeps serving its last good data).
public struct TableOutcome: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case ok, error
        /// Nothing to do: no new file for it, or no connector runs its source (`error` says which); its published
        /// data stays.
        case skipped
    }

    public var table: String
    public var source: String
    public var status: Status
    /// Rows read from the source (for incremental runs, the changed rows).
    public var rows: Int64
    /// Bytes downloaded or read from the source.
    public var bytes: Int64
    public var duration: Duration
    /// Why it failed or was skipped.
    public var error: String?

    public init(
        table: String, source: String, status: Status = .ok, rows: Int64 = 0, bytes: Int64 = 0, duration: Duration = .zero,
        error: String? = nil
    ) {
        self.table = table
        self.source = source
        self.status = status
        self.rows = rows
        self.bytes = bytes
        self.duration = duration
        self.error = error
    }

    /// A failed table.
    public static func failed(_ table: String, source: String, _ error: String, duration: Duration = .zero) -> TableOutcome {
        TableOutcome(table: table, source: source, status: .error, duration: duration, error: error)
    }
}
