import Foundation
import Testing

@testable import DuckDB

struct ConnectionTests {
    @Test func errorsCarryDuckDBsMessage() throws {
        let connection = try Database().connect()
        let syntax = #expect(throws: DuckDBError.self) { try connection.query("SELEC 1") }
        #expect(syntax?.message.contains("syntax error at or near \"SELEC\"") == true)
        if case .statementFailed(_, let kind) = syntax { #expect(kind == .parser) } else { Issue.record("wrong case") }

        let missing = #expect(throws: DuckDBError.self) { try connection.query("SELECT * FROM no_such_table") }
        #expect(missing?.message.contains("Table with name no_such_table does not exist") == true)

        let runtime = #expect(throws: DuckDBError.self) { try connection.run("SELECT CAST('x' AS INTEGER)") }
        #expect(runtime?.message.contains("Could not convert string 'x' to INT32") == true)

        let bind = #expect(throws: DuckDBError.self) { try connection.query("SELECT ?, ?", [.integer(1)]) }
        #expect(bind?.message.contains("expected 2 parameter(s), got 1") == true)
    }

    /// Duplicates are recognised by DuckDB's error class, through plain and prepared statements, not by wording.
    @Test func constraintViolationsAreRecognisedByKind() throws {
        let connection = try Database().connect()
        try connection.execute("CREATE TABLE t (id VARCHAR PRIMARY KEY, email VARCHAR UNIQUE NOT NULL)")
        try connection.run("INSERT INTO t VALUES (?, ?)", [.varchar("a"), .varchar("a@example.com")])
        let duplicateKey = #expect(throws: DuckDBError.self) {
            try connection.run("INSERT INTO t VALUES (?, ?)", [.varchar("a"), .varchar("b@example.com")])
        }
        #expect(duplicateKey?.isConstraintViolation == true)
        let duplicateUnique = #expect(throws: DuckDBError.self) { try connection.execute("INSERT INTO t VALUES ('b', 'a@example.com')") }
        #expect(duplicateUnique?.isConstraintViolation == true)
        let missing = #expect(throws: DuckDBError.self) { try connection.execute("INSERT INTO t VALUES ('c', NULL)") }
        #expect(missing?.isConstraintViolation == true)
        let other = #expect(throws: DuckDBError.self) { try connection.execute("INSERT INTO no_such_table VALUES (1)") }
        #expect(other?.isConstraintViolation == false)
    }

    @Test func openFailureNamesThePath() throws {
        let error = #expect(throws: DuckDBError.self) {
            try Database(path: "/nonexistent-dir/x/y.duckdb")
        }
        #expect(error?.message.contains("/nonexistent-dir/x/y.duckdb") == true)
    }

    @Test func configurationIsApplied() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ext-\(UUID().uuidString)").path
        let database = try Database(
            configuration: .init(threads: 1, memoryLimit: "256MiB", extensionDirectory: directory))
        let connection = try database.connect()
        let settings = try connection.query(
            """
            SELECT current_setting('threads'), current_setting('memory_limit'), current_setting('extension_directory'),
                   current_setting('autoinstall_known_extensions')
            """
        ).rows()
        #expect(settings.first?[0] == .bigint(1))
        #expect(settings.first?[1] == .varchar("256.0 MiB"))
        #expect(settings.first?[2] == .varchar(directory))
        #expect(settings.first?[3] == .boolean(false))
        #expect(throws: DuckDBError.self) { try Database(configuration: .init(options: ["no_such_option": "1"])) }
    }

    @Test func readOnlyAccessModeRefusesWrites() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ro-\(UUID().uuidString).duckdb").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let writer = try Database(path: path).connect()
            try writer.execute("CREATE TABLE t AS SELECT 42 AS answer")
        }
        let reader = try Database(path: path, configuration: .init(accessMode: .readOnly)).connect()
        #expect(try reader.query("SELECT answer FROM t").scalar() == .integer(42))
        let error = #expect(throws: DuckDBError.self) { try reader.execute("INSERT INTO t VALUES (1)") }
        #expect(error?.message.contains("read-only") == true)
    }

    @Test func preparedStatementsReportTypeAndRowsChanged() throws {
        let connection = try Database().connect()
        try connection.execute("CREATE TABLE items (id INTEGER, name VARCHAR)")
        let insert = try connection.prepare("INSERT INTO items VALUES (?, ?)")
        #expect(insert.statementType == .insert)
        #expect(insert.parameterCount == 2)
        for id in 1...3 {
            try insert.bind([.integer(Int32(id)), .varchar("item \(id)")])
            #expect(try insert.run() == 1)
        }
        #expect(try connection.run("UPDATE items SET name = 'x' WHERE id >= ?", [.integer(2)]) == 2)
        #expect(try connection.prepare("SELECT 1").statementType == .select)
        let rows = try connection.query("SELECT id, name FROM items ORDER BY id").rows()
        #expect(rows == [[.integer(1), .varchar("item 1")], [.integer(2), .varchar("x")], [.integer(3), .varchar("x")]])
    }

    @Test func transactionsRollBackOnError() throws {
        let connection = try Database().connect()
        try connection.execute("CREATE TABLE t (x INTEGER)")
        #expect(throws: DuckDBError.self) {
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES (1)")
                try connection.run("INSERT INTO t VALUES ('not a number')")
            }
        }
        #expect(try connection.query("SELECT count(*) FROM t").scalar() == .bigint(0))
        try connection.transaction { try connection.run("INSERT INTO t VALUES (1)") }
        #expect(try connection.query("SELECT count(*) FROM t").scalar() == .bigint(1))
    }

    @Test func appenderInsertsEveryType() throws {
        let connection = try Database().connect()
        try connection.execute(
            "CREATE TABLE events (id BIGINT, name VARCHAR, score DOUBLE, ok BOOLEAN, happened_at TIMESTAMP, amount DECIMAL(10,2), tags VARCHAR[])"
        )
        let appender = try connection.appender(table: "events")
        for id in 0..<5_000 {
            try appender.append(row: [
                .bigint(Int64(id)), id % 10 == 0 ? .null : .varchar("event \(id)"), .double(Double(id) / 2),
                .boolean(id % 2 == 0), .timestamp(TimestampValue(value: Int64(id) * 1_000_000)),
                .decimal(DecimalValue(unscaled: Int128(id), width: 10, scale: 2)), .list([.varchar("t\(id % 3)")]),
            ])
        }
        try appender.close()
        let summary = try connection.query(
            "SELECT count(*), count(name), sum(id), max(amount), min(happened_at) FROM events"
        ).rows()
        #expect(
            summary == [
                [
                    .bigint(5_000), .bigint(4_500), .hugeint(12_497_500),
                    .decimal(DecimalValue(unscaled: 4_999, width: 10, scale: 2)), .timestamp(TimestampValue(value: 0)),
                ]
            ])
        let wrongArity = try connection.appender(table: "events")
        let error = #expect(throws: DuckDBError.self) { try wrongArity.append(row: [.bigint(1)]) }
        #expect(error?.message.isEmpty == false)
    }

    @Test func valuesEncodeAsNaturalJSON() throws {
        let connection = try Database().connect()
        let row = try #require(
            try connection.query(
                """
                SELECT 1::INTEGER AS i, 12345678901234567890.12::DECIMAL(38,2) AS d, 'x' AS s, NULL AS n,
                       DATE '2024-01-02' AS day, [1, 2] AS l, {'a': true} AS st, MAP {'k': 1} AS m,
                       '\\x00\\xFF'::BLOB AS b, 'inf'::DOUBLE AS inf
                """
            ).rows().first)
        let json = String(decoding: try JSONEncoder().encode(row), as: UTF8.self)
        #expect(
            json
                == #"[1,12345678901234567890.12,"x",null,"2024-01-02",[1,2],{"a":true},{"k":1},"AP8=","Infinity"]"#)
    }

    @Test func cachedStatementsAreReusedUpToTheCapacity() throws {
        let connection = try Database().connect()
        let first = try connection.cachedStatement("SELECT ?::INTEGER + 1")
        try first.bind([.integer(41)])
        #expect(try first.execute().rows() == [[.integer(42)]])
        // The same text gives the same statement back, without the old binding.
        let again = try connection.cachedStatement("SELECT ?::INTEGER + 1")
        #expect(again === first)
        #expect(throws: DuckDBError.self) { try again.execute() }
        #expect(connection.cachedStatementCount == 1)

        for index in 0..<Connection.statementCacheCapacity {
            _ = try connection.cachedStatement("SELECT \(index)")
        }
        #expect(connection.cachedStatementCount == Connection.statementCacheCapacity)
        // The least recently used (the first) is gone: asking again prepares a new one.
        #expect(try connection.cachedStatement("SELECT ?::INTEGER + 1") !== first)
        connection.removeCachedStatement("SELECT ?::INTEGER + 1")
        connection.removeCachedStatement("SELECT 31")
        #expect(connection.cachedStatementCount == Connection.statementCacheCapacity - 2)
        connection.removeCachedStatements()
        #expect(connection.cachedStatementCount == 0)
    }

    /// Prepare and pending errors come as text; an interrupt among them (a cancel or a timeout that lands while a
    /// statement is prepared or started) must read as `.interrupted`, as it does from a result.
    @Test func anInterruptReportedAsTextIsAnInterrupt() {
        #expect(DuckDBError(message: "INTERRUPT Error: Interrupted!", otherwise: "x") == .interrupted)
        let syntax = #"Parser Error: syntax error at or near "SELEC""#
        #expect(DuckDBError(message: syntax, otherwise: "x") == .statementFailed(message: syntax, kind: .parser))
        #expect(
            DuckDBError(message: nil, otherwise: "cannot prepare statement")
                == .statementFailed(message: "cannot prepare statement", kind: .invalid))
    }
}
