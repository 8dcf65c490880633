import DuckDB
import Foundation
import TestSupport
import Testing

@testable import AnalystClient

/// The analyst database's views as a sync changes them: made as files arrive, committed at once, only what changed,
/// nothing when the sync stops before the end, and never an object the analyst made.
struct ViewSessionTests {
    static func write(_ sql: String, to url: URL) throws {
        try Database().connect().execute("COPY (\(sql)) TO '\(url.path)' (FORMAT parquet)")
    }

    /// The managed views and their columns, read from a fresh connection.
    static func views(_ workspace: Workspace) throws -> [String: [String]] {
        let connection = try Database(path: workspace.database.path).connect()
        let names = try connection.query("SELECT view_name FROM duckdb_views() WHERE comment = 'managed by da sync'").rows()
            .compactMap { $0[0].stringValue }
        var views: [String: [String]] = [:]
        for name in names {
            views[name] = try connection.query("SELECT column_name FROM (DESCRIBE \(LocalDatabase.quote(name)))").rows()
                .compactMap { $0[0].stringValue }
        }
        return views
    }

    /// A prepared workspace in a temporary directory and its analyst database.
    static func withWorkspace(_ body: (Workspace, LocalDatabase) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let workspace = Workspace(path: directory.path)
        try workspace.prepare()
        try body(workspace, LocalDatabase(workspace: workspace))
    }

    @Test func viewsChangeOnlyWhenCommittedAndOnlyWhereNeeded() throws {
        try Self.withWorkspace { workspace, database in
            try Self.write("SELECT 1 AS x", to: workspace.parquet("a"))
            try Self.write("SELECT 2 AS y", to: workspace.parquet("b"))
            try Self.write("SELECT 3 AS z", to: workspace.parquet("mine"))
            try Database(path: workspace.database.path).connect().execute("CREATE TABLE mine AS SELECT 'analyst' AS note")

            // A first sync: "a" arrives first, "b" is made at the end; the analyst's own table is a clash, left alone.
            let first = ViewSession(database: database)
            first.make("a")
            let report = try first.finish(tables: ["a", "b", "mine"], remakeAll: false)
            #expect(report.views == 2 && report.clashes == ["mine"])
            #expect(try Self.views(workspace) == ["a": ["x"], "b": ["y"]])
            #expect(
                try Database(path: workspace.database.path).connect().query("SELECT note FROM mine").rows().first?[0].stringValue
                    == "analyst")

            // A sync that stops before its end changes no view.
            try Self.write("SELECT 4 AS c", to: workspace.parquet("c"))
            do {
                let stopped = ViewSession(database: database)
                stopped.make("c")
            }
            #expect(try Self.views(workspace).keys.sorted() == ["a", "b"])

            // The next one makes what changed ("b" has a new column) and what is missing ("c"), drops what went ("a").
            try Self.write("SELECT 5 AS y, 6 AS w", to: workspace.parquet("b"))
            let next = ViewSession(database: database)
            next.make("b")
            let after = try next.finish(tables: ["b", "c"], remakeAll: false)
            #expect(after.views == 2 && after.dropped == ["a"])
            #expect(try Self.views(workspace) == ["b": ["y", "w"], "c": ["c"]])
        }
    }

    @Test func aViewThatCannotBeMadeFailsTheCommitAndChangesNothing() throws {
        try Self.withWorkspace { workspace, database in
            try Self.write("SELECT 1 AS x", to: workspace.parquet("a"))
            _ = try ViewSession(database: database).finish(tables: ["a"], remakeAll: false)

            try Data("not parquet".utf8).write(to: workspace.parquet("broken"))
            let session = ViewSession(database: database)
            session.make("broken")
            #expect(throws: (any Error).self) { try session.finish(tables: ["a", "broken"], remakeAll: true) }
            #expect(try Self.views(workspace) == ["a": ["x"]])
        }
    }
}
