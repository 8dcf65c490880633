import DuckDB
import Foundation

/// The analyst's `user/duckdb/analytics.duckdb`: one view per synced table over its parquet file. Views that sync
/// made carry a comment that marks them; everything else in the database (tables and views the analyst made) is
/// never touched, and a synced table whose name an analyst's object already uses gets no view (a clash).
public struct LocalDatabase: Sendable {
    /// The comment on every view `da sync` manages.
    static let marker = "managed by da sync"

    /// What a rebuild did.
    public struct Report: Sendable, Equatable {
        public var views = 0
        public var dropped: [String] = []
        /// Synced tables without a view because the analyst has a table or view of that name.
        public var clashes: [String] = []
    }

    public let workspace: Workspace

    public init(workspace: Workspace) {
        self.workspace = workspace
    }

    /// Opens (or creates) the database; a sync does it while the tables download.
    /// Blocking (DuckDB): run it off the cooperative pool.
    public func open() throws -> Database {
        do {
            return try Database(path: workspace.database.path)
        } catch let error as DuckDBError {
            throw workspace.databaseUnavailable(error)
        }
    }

    /// Makes the managed views exactly `tables` (each over `server/parquet/<id>.parquet`, or the partition files in
    /// `server/parquet/<id>/`), in one transaction, in `database` (from `open()`; by default opened here).
    /// Blocking (DuckDB): run it off the cooperative pool.
    public func rebuildViews(for tables: [String], in database: Database? = nil) throws -> Report {
        let connection: Connection
        do {
            connection = try (database ?? open()).connect()
        } catch let error as DuckDBError {
            throw workspace.databaseUnavailable(error)
        }
        let views = try connection.query(
            "SELECT view_name, coalesce(comment, '') FROM duckdb_views() "
                + "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal"
        ).rows()
        let owned = try connection.query(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'"
        ).rows().compactMap { $0[0].stringValue?.lowercased() }
        var managed = Set<String>()
        var analysts = Set(owned)
        for view in views {
            guard let name = view[0].stringValue?.lowercased() else { continue }
            if view[1].stringValue == LocalDatabase.marker { managed.insert(name) } else { analysts.insert(name) }
        }
        var report = Report()
        let wanted = Set(tables)
        try connection.transaction {
            for name in managed.subtracting(wanted).sorted() {
                try connection.execute("DROP VIEW IF EXISTS \(LocalDatabase.quote(name))")
                report.dropped.append(name)
            }
            for id in tables.sorted() {
                if analysts.contains(id.lowercased()) {
                    report.clashes.append(id)
                    continue
                }
                try connection.execute("CREATE OR REPLACE VIEW \(LocalDatabase.quote(id)) AS SELECT * FROM \(relation(id))")
                try connection.execute("COMMENT ON VIEW \(LocalDatabase.quote(id)) IS '\(LocalDatabase.marker)'")
                report.views += 1
            }
        }
        return report
    }

    /// What table `id`'s view reads: its file, or its partition files (older ones may lack newer columns).
    func relation(_ id: String) -> String {
        func literal(_ path: String) -> String { "'" + path.replacingOccurrences(of: "'", with: "''") + "'" }
        if Workspace.fileSize(workspace.parquet(id)) == nil, workspace.isPartitionDirectory(id) {
            return "read_parquet(\(literal(workspace.partitionDirectory(id).path + "/*.parquet")), union_by_name = true)"
        }
        return "read_parquet(\(literal(workspace.parquet(id).path)))"
    }

    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
