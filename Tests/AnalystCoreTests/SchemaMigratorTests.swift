import AnalystCore
import DuckDB
import Foundation
import TestSupport
import Testing

struct SchemaMigratorTests {
    let logs = LogCapture()

    static let migrations = [
        Migration(version: 1, name: "first", sql: "CREATE TABLE a (x INTEGER)"),
        Migration(version: 2, name: "second", sql: "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1)"),
    ]

    @Test func appliesEachMigrationOnceInOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("system.duckdb")
        do {
            let connection = try Database(path: path).connect()
            let migrator = SchemaMigrator(migrations: Array(Self.migrations.prefix(1)))
            #expect(try migrator.migrate(connection, path: path, logger: logs.logger()) == [1])
            #expect(try migrator.migrate(connection, path: path, logger: logs.logger()) == [])
        }
        // Reopen with a newer build that knows one more migration.
        let connection = try Database(path: path).connect()
        let migrator = SchemaMigrator(migrations: Self.migrations)
        #expect(try migrator.currentVersion(connection) == 1)
        #expect(try migrator.migrate(connection, path: path, logger: logs.logger()) == [2])
        let versions = try connection.query("SELECT version, name FROM schema_version ORDER BY version").rows()
        #expect(versions == [[.integer(1), .varchar("first")], [.integer(2), .varchar("second")]])
        #expect(try connection.query("SELECT count(*) FROM b").scalar() == .bigint(1))
        #expect(logs.lines.filter { $0.contains("applied schema migration") }.count == 2)
    }

    @Test func aFailingMigrationRollsBackCompletely() throws {
        let connection = try Database().connect()
        let broken =
            Self.migrations + [
                Migration(version: 3, name: "broken", sql: "CREATE TABLE c (z INTEGER); INSERT INTO c VALUES ('nope')")
            ]
        let error = #expect(throws: StorageError.self) {
            try SchemaMigrator(migrations: broken).migrate(connection, path: "mem", logger: logs.logger())
        }
        #expect(error?.description.contains("schema migration 3 (broken) failed and was rolled back") == true)
        #expect(try SchemaMigrator(migrations: broken).currentVersion(connection) == 2)
        #expect(throws: DuckDBError.self) { try connection.query("SELECT * FROM c").rows() }
    }

    @Test func refusesASchemaNewerThanItKnows() throws {
        let connection = try Database().connect()
        try SchemaMigrator(migrations: Self.migrations).migrate(connection, path: "sys.duckdb", logger: logs.logger())
        let older = SchemaMigrator(migrations: Array(Self.migrations.prefix(1)))
        let error = #expect(throws: StorageError.self) {
            try older.migrate(connection, path: "sys.duckdb", logger: logs.logger())
        }
        #expect(error == .schemaTooNew(path: "sys.duckdb", found: 2, known: 1))
        #expect(error?.description.contains("Upgrade da-server") == true)
    }

    @Test func theShippedSchemaCreatesTheCoreTables() throws {
        let connection = try Database().connect()
        try SchemaMigrator(migrations: SystemSchema.migrations).migrate(connection, path: "x", logger: logs.logger())
        let tables = try connection.query(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name"
        ).rows().map { $0.first }
        for table in ["schema_version", "sync_history", "sync_state", "users"] {
            #expect(tables.contains(.varchar(table)))
        }
    }
}
