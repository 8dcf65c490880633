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

    /// Opens (or creates) the database. Blocking (DuckDB): run it off the cooperative pool.
    public func open() throws -> Database {
        do {
            return try Database(path: workspace.database.path)
        } catch let error as DuckDBError {
            throw workspace.databaseUnavailable(error)
        }
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

/// One sync's changes to the managed views, in one transaction: the view of each table is made as soon as its file
/// is installed (while other tables still download), and `finish` drops the views of tables no longer synced, makes
/// those still missing, and commits. A sync that stops before `finish` changes no view.
///
/// Blocking (DuckDB): call it off the cooperative pool. `@unchecked Sendable`: every use of the connection is
/// under `lock`, so calls from different threads never overlap. The database is opened at the first call.
public final class ViewSession: @unchecked Sendable {
    private struct Open {
        let connection: Connection
        /// Lowercased names of the views `da sync` made (they carry the marker comment).
        var managed: Set<String>
        /// Lowercased names of the analyst's own tables and views: never replaced.
        let analysts: Set<String>
    }

    private let database: LocalDatabase
    private let lock = NSLock()
    private var opened: Open?
    /// Table ids whose view was made in this session.
    private var made: Set<String> = []
    private var clashes: Set<String> = []
    /// The first failure; later calls do nothing and `finish` throws it.
    private var failure: (any Error)?

    public init(database: LocalDatabase) {
        self.database = database
    }

    /// Opens the database and begins the transaction now, so that DuckDB's load overlaps other work. A failure is
    /// kept for `finish`.
    public func open() {
        lock.withLock {
            do {
                _ = try session()
            } catch {
                failure = failure ?? error
            }
        }
    }

    /// Makes (or replaces) the view of table `id`, whose file was just installed. A failure is kept for `finish`.
    public func make(_ id: String) {
        lock.withLock {
            do {
                try makeView(id, in: try session())
            } catch {
                failure = failure ?? error
            }
        }
    }

    /// Drops the managed views not in `tables`, makes the views of `tables` that have none (with `remakeAll`, all
    /// not made in this session: the workspace moved, or a sync stopped before its views were committed), commits.
    public func finish(tables: [String], remakeAll: Bool) throws -> LocalDatabase.Report {
        try lock.withLock {
            if let failure { throw failure }
            let open = try session()
            var report = LocalDatabase.Report()
            do {
                let wanted = Set(tables.map { $0.lowercased() })
                for name in open.managed.subtracting(wanted).sorted() {
                    try open.connection.execute("DROP VIEW IF EXISTS \(LocalDatabase.quote(name))")
                    report.dropped.append(name)
                }
                for id in tables.sorted() where !made.contains(id) && (remakeAll || !open.managed.contains(id.lowercased())) {
                    try makeView(id, in: open)
                }
                try open.connection.execute("COMMIT")
            } catch {
                try? open.connection.execute("ROLLBACK")
                throw error
            }
            report.views = made.count
            report.clashes = clashes.sorted()
            return report
        }
    }

    /// The open connection, its transaction begun, and what the database holds; opened at the first call.
    private func session() throws -> Open {
        if let opened { return opened }
        let connection: Connection
        do {
            connection = try database.open().connect()
        } catch let error as DuckDBError {
            throw database.workspace.databaseUnavailable(error)
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
        try connection.execute("BEGIN TRANSACTION")
        let open = Open(connection: connection, managed: managed, analysts: analysts)
        opened = open
        return open
    }

    /// Makes table `id`'s view, unless the analyst has an object of that name (a clash). Under `lock`.
    private func makeView(_ id: String, in open: Open) throws {
        guard !open.analysts.contains(id.lowercased()) else {
            clashes.insert(id)
            return
        }
        let name = LocalDatabase.quote(id)
        try open.connection.execute("CREATE OR REPLACE VIEW \(name) AS SELECT * FROM \(database.relation(id))")
        try open.connection.execute("COMMENT ON VIEW \(name) IS '\(LocalDatabase.marker)'")
        made.insert(id)
    }
}
