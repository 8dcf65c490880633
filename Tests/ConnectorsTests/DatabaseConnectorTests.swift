import AnalystCore
import DuckDB
import Foundation
import TestSupport
import Testing

@testable import Connectors

/// The database connectors against real servers started by each test (Debian's PostgreSQL and MariaDB, installed by
/// `make test`) through DuckDB's postgres and mysql extensions (installed by `scripts/setup-duckdb.sh`).
@Suite(.timeLimit(.minutes(3)))
struct DatabaseConnectorTests {
    /// A password no message, log line or file may show.
    static let password = "Pw-9f1c-Sup3rSecret"
    static let wrongPassword = "Wr0ng-7e2d-NotThePassword"

    // MARK: PostgreSQL

    @Test func postgresFullRefreshKeepsEveryTypeAndValue() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let postgres = try await PostgresServer(in: setup.temporary)
        await withStop(postgres.stop) {
            try await postgres.execute(
                """
                CREATE SCHEMA sales;
                CREATE TABLE sales.orders (id integer PRIMARY KEY, big bigint, small smallint, amount numeric(12, 2),
                    wide numeric(38, 10), ratio double precision, f real, flag boolean, note text, d date, ts timestamp,
                    tstz timestamptz);
                INSERT INTO sales.orders VALUES
                    (1, 9007199254740993, -3, 12345678.91, 12345678901234567890.0123456789, 1.5, 0.25, true,
                     'hello, ''world''', '2024-02-29', '2024-03-01 10:11:12.123456', '2024-03-01 10:11:12+00'),
                    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
                """)
            let environment = ["SALES_PG": postgres.connectionString]
            let table = Self.table("orders", .postgres, variable: "SALES_PG", bucket: "sales", sourceTable: "orders")
            let outcomes = await setup.extract(.postgres, environment, [table])
            #expect(outcomes["orders"]?.status == .ok, "\(outcomes)")
            #expect(outcomes["orders"]?.rows == 2)

            let file = setup.source(.postgres).parquetFile(for: "orders")
            #expect(
                try await setup.types(of: file) == [
                    "id": "INTEGER", "big": "BIGINT", "small": "SMALLINT", "amount": "DECIMAL(12,2)", "wide": "DECIMAL(38,10)",
                    "ratio": "DOUBLE", "f": "FLOAT", "flag": "BOOLEAN", "note": "VARCHAR", "d": "DATE", "ts": "TIMESTAMP",
                    "tstz": "TIMESTAMP WITH TIME ZONE",
                ])
            let rows = try await setup.rows(
                """
                SELECT id::VARCHAR, big::VARCHAR, small::VARCHAR, amount::VARCHAR, wide::VARCHAR, ratio::VARCHAR, f::VARCHAR,
                    flag::VARCHAR, note, d::VARCHAR, ts::VARCHAR, epoch_ms(tstz)::VARCHAR
                FROM read_parquet(\(Identifier.literal(file.path))) ORDER BY id
                """)
            #expect(
                rows == [
                    [
                        "1", "9007199254740993", "-3", "12345678.91", "12345678901234567890.0123456789", "1.5", "0.25", "true",
                        "hello, 'world'", "2024-02-29", "2024-03-01 10:11:12.123456", "1709287872000",
                    ],
                    ["2", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
                ])
            let published = try ExtractContract.read(setup.source(.postgres)).tables
            #expect(published.map(\.name) == ["orders"])
            #expect(published.first?.rows == 2)
            #expect(published.first?.queryMode == .local)
        }
    }

    @Test func postgresIncrementalRunsUpsertAndAFailedRunKeepsFileAndCursor() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let postgres = try await PostgresServer(in: setup.temporary)
        await withStop(postgres.stop) {
            try await postgres.execute(
                """
                CREATE TABLE public.events (id integer PRIMARY KEY, status text, updated_at timestamp NOT NULL);
                INSERT INTO public.events VALUES (1, 'new', '2024-01-01 10:00:00.000001'), (2, 'new', '2024-01-01 11:00:00');
                """)
            let environment = ["EVENTS_PG": postgres.connectionString]
            var table = Self.table("events", .postgres, variable: "EVENTS_PG", bucket: nil, sourceTable: "events")
            table.syncStrategy = .incremental
            table.cursorColumn = "updated_at"
            table.primaryKey = "id"
            try await setup.checkIncremental(
                .postgres, environment, table,
                change: {
                    try await postgres.execute(
                        """
                        UPDATE public.events SET status = 'paid', updated_at = '2024-01-02 09:00:00' WHERE id = 1;
                        INSERT INTO public.events VALUES (3, 'new', '2024-01-02 10:00:00');
                        """)
                },
                breakSource: {
                    try await postgres.execute(
                        "INSERT INTO public.events VALUES (4, 'new', '2024-01-03 08:00:00'); ALTER TABLE public.events RENAME TO gone")
                },
                repairSource: { try await postgres.execute("ALTER TABLE public.gone RENAME TO events") })
        }
    }

    @Test func postgresSourceQueryIsMaterialised() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let postgres = try await PostgresServer(in: setup.temporary)
        await withStop(postgres.stop) {
            try await postgres.execute(
                """
                CREATE TABLE public.orders (id integer, region text, amount numeric(10, 2));
                INSERT INTO public.orders VALUES (1, 'east', 10.25), (2, 'west', 5.00), (3, 'east', 1.75);
                """)
            var table = Self.table("region_totals", .postgres, variable: "SALES_PG", bucket: nil, sourceTable: nil)
            table.sourceQuery =
                "SELECT region, sum(amount)::numeric(14, 2) AS total, count(*) AS orders FROM public.orders WHERE region <> 'it''s' GROUP BY region"
            let outcomes = await setup.extract(.postgres, ["SALES_PG": postgres.connectionString], [table])
            #expect(outcomes["region_totals"]?.status == .ok, "\(outcomes)")
            let file = setup.source(.postgres).parquetFile(for: "region_totals")
            #expect(try await setup.types(of: file) == ["region": "VARCHAR", "total": "DECIMAL(14,2)", "orders": "BIGINT"])
            #expect(
                try await setup.rows(
                    "SELECT region, total::VARCHAR, orders::VARCHAR FROM read_parquet(\(Identifier.literal(file.path))) ORDER BY region")
                    == [["east", "12.00", "2"], ["west", "5.00", "1"]])
        }
    }

    @Test func postgresRemoteTablesAreQueriedLiveAndTheExtractHoldsNoSecret() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let postgres = try await PostgresServer(in: setup.temporary)
        await withStop(postgres.stop) {
            try await postgres.execute(
                """
                CREATE TABLE public.orders (id integer, region text, amount numeric(10, 2));
                INSERT INTO public.orders VALUES (1, 'east', 10.25), (2, 'west', 5.00);
                """)
            let secret = try await Self.requirePasswords(postgres, setup: setup)
            let environment = ["LIVE_PG": secret]
            var live = Self.table("live_orders", .postgres, variable: "LIVE_PG", bucket: "public", sourceTable: "orders")
            live.queryMode = .remote
            var totals = Self.table("live_totals", .postgres, variable: "LIVE_PG", bucket: nil, sourceTable: nil)
            totals.queryMode = .remote
            totals.sourceQuery = "SELECT region, sum(amount) AS total FROM public.orders GROUP BY region"
            let outcomes = await setup.extract(.postgres, environment, [live, totals])
            #expect(outcomes["live_orders"]?.status == .ok, "\(outcomes)")
            #expect(outcomes["live_totals"]?.status == .ok, "\(outcomes)")

            try await setup.checkRemote(
                .postgres, [live, totals], environment: environment, secret: secret, password: Self.password,
                expectedAttachment: RemoteAttachment(
                    alias: "db_pg_live_pg", extensionName: "postgres", url: "", tokenEnvironmentVariable: "LIVE_PG"),
                sum: "SELECT sum(amount)::VARCHAR FROM \"postgres\".live_orders",
                totals: "SELECT sum(total)::VARCHAR FROM \"postgres\".live_totals", before: "15.25",
                insert: { try await postgres.execute("INSERT INTO public.orders VALUES (3, 'north', 1.50)") }, after: "16.75")
        }
    }

    @Test func postgresMissingVariableAndWrongPasswordGiveClearOutcomesWithoutTheSecret() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let postgres = try await PostgresServer(in: setup.temporary)
        await withStop(postgres.stop) {
            try await postgres.execute("CREATE TABLE public.orders (id integer)")
            _ = try await Self.requirePasswords(postgres, setup: setup)
            let keyword = "host=127.0.0.1 port=\(postgres.port) user=analyst password=\(Self.wrongPassword) dbname=postgres"
            let uri = "postgresql://analyst:\(Self.wrongPassword)@127.0.0.1:\(postgres.port)/postgres"
            try await setup.checkFailures(
                .postgres, wrongKeyword: keyword, wrongURI: uri, refusal: "password authentication failed for user \"analyst\"")
        }
    }

    // MARK: MariaDB (source_type mysql)

    @Test func mariadbFullRefreshKeepsEveryTypeAndValue() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let mariadb = try await MariaDBServer(in: setup.temporary)
        await withStop(mariadb.stop) {
            try await mariadb.execute(
                """
                CREATE DATABASE shop;
                CREATE TABLE shop.orders (id INT PRIMARY KEY, big BIGINT, small SMALLINT, amount DECIMAL(12, 2),
                    wide DECIMAL(38, 10), ratio DOUBLE, f FLOAT, flag BOOLEAN, note TEXT, d DATE, ts DATETIME(6));
                INSERT INTO shop.orders VALUES
                    (1, 9007199254740993, -3, 12345678.91, 1234567890123456789012345678.0123456789, 1.5, 0.25, TRUE,
                     'hello, ''world''', '2024-02-29', '2024-03-01 10:11:12.123456'),
                    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
                """)
            let environment = ["SHOP_DB": mariadb.connectionString(database: "shop")]
            let table = Self.table("shop_orders", .mysql, variable: "SHOP_DB", bucket: "shop", sourceTable: "orders")
            let outcomes = await setup.extract(.mysql, environment, [table])
            #expect(outcomes["shop_orders"]?.status == .ok, "\(outcomes)")
            #expect(outcomes["shop_orders"]?.rows == 2)

            let file = setup.source(.mysql).parquetFile(for: "shop_orders")
            #expect(
                try await setup.types(of: file) == [
                    "id": "INTEGER", "big": "BIGINT", "small": "SMALLINT", "amount": "DECIMAL(12,2)", "wide": "DECIMAL(38,10)",
                    "ratio": "DOUBLE", "f": "FLOAT", "flag": "BOOLEAN", "note": "VARCHAR", "d": "DATE", "ts": "TIMESTAMP",
                ])
            let rows = try await setup.rows(
                """
                SELECT id::VARCHAR, big::VARCHAR, small::VARCHAR, amount::VARCHAR, wide::VARCHAR, ratio::VARCHAR, f::VARCHAR,
                    flag::VARCHAR, note, d::VARCHAR, ts::VARCHAR
                FROM read_parquet(\(Identifier.literal(file.path))) ORDER BY id
                """)
            #expect(
                rows == [
                    [
                        "1", "9007199254740993", "-3", "12345678.91", "1234567890123456789012345678.0123456789", "1.5", "0.25",
                        "true", "hello, 'world'", "2024-02-29", "2024-03-01 10:11:12.123456",
                    ],
                    ["2", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
                ])
            #expect(try ExtractContract.read(setup.source(.mysql)).tables.map(\.name) == ["shop_orders"])
        }
    }

    @Test func mariadbIncrementalRunsUpsertOrAppendAndAFailedRunKeepsFileAndCursor() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let mariadb = try await MariaDBServer(in: setup.temporary)
        await withStop(mariadb.stop) {
            try await mariadb.execute(
                """
                CREATE DATABASE shop;
                CREATE TABLE shop.events (id INT PRIMARY KEY, status VARCHAR(20), updated_at DATETIME(6) NOT NULL);
                INSERT INTO shop.events VALUES (1, 'new', '2024-01-01 10:00:00.000001'), (2, 'new', '2024-01-01 11:00:00');
                """)
            let environment = ["SHOP_DB": mariadb.connectionString(database: "shop")]
            var table = Self.table("events", .mysql, variable: "SHOP_DB", bucket: "shop", sourceTable: "events")
            table.syncStrategy = .incremental
            table.cursorColumn = "updated_at"
            table.primaryKey = "id"
            // The same rows without a primary key: changed rows are appended.
            var log = table
            log.id = "events_log"
            log.name = "events_log"
            log.primaryKey = nil
            try await setup.checkIncremental(
                .mysql, environment, table, appendOnly: log,
                change: {
                    try await mariadb.execute(
                        """
                        UPDATE shop.events SET status = 'paid', updated_at = '2024-01-02 09:00:00' WHERE id = 1;
                        INSERT INTO shop.events VALUES (3, 'new', '2024-01-02 10:00:00');
                        """)
                },
                breakSource: {
                    try await mariadb.execute(
                        "INSERT INTO shop.events VALUES (4, 'new', '2024-01-03 08:00:00'); RENAME TABLE shop.events TO shop.gone")
                },
                repairSource: { try await mariadb.execute("RENAME TABLE shop.gone TO shop.events") })
        }
    }

    @Test func mariadbSourceQueryIsMaterialised() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let mariadb = try await MariaDBServer(in: setup.temporary)
        await withStop(mariadb.stop) {
            try await mariadb.execute(
                """
                CREATE DATABASE shop;
                CREATE TABLE shop.orders (id INT, region VARCHAR(10), amount DECIMAL(10, 2));
                INSERT INTO shop.orders VALUES (1, 'east', 10.25), (2, 'west', 5.00), (3, 'east', 1.75);
                """)
            var table = Self.table("region_totals", .mysql, variable: "SHOP_DB", bucket: nil, sourceTable: nil)
            table.sourceQuery =
                "SELECT region, SUM(amount) AS total, COUNT(*) AS orders FROM orders WHERE region <> 'it''s' GROUP BY region"
            let outcomes = await setup.extract(.mysql, ["SHOP_DB": mariadb.connectionString(database: "shop")], [table])
            #expect(outcomes["region_totals"]?.status == .ok, "\(outcomes)")
            let file = setup.source(.mysql).parquetFile(for: "region_totals")
            let types = try await setup.types(of: file)
            #expect(types["region"] == "VARCHAR")
            #expect(types["total"]?.hasPrefix("DECIMAL(") == true, "\(types)")
            #expect(types["orders"] == "BIGINT")
            #expect(
                try await setup.rows(
                    "SELECT region, total::VARCHAR, orders::VARCHAR FROM read_parquet(\(Identifier.literal(file.path))) ORDER BY region")
                    == [["east", "12.00", "2"], ["west", "5.00", "1"]])
        }
    }

    @Test func mariadbRemoteTablesAreQueriedLiveAndTheExtractHoldsNoSecret() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let mariadb = try await MariaDBServer(in: setup.temporary)
        await withStop(mariadb.stop) {
            try await mariadb.execute(
                """
                CREATE DATABASE shop;
                CREATE TABLE shop.orders (id INT, region VARCHAR(10), amount DECIMAL(10, 2));
                INSERT INTO shop.orders VALUES (1, 'east', 10.25), (2, 'west', 5.00);
                CREATE USER 'analyst'@'127.0.0.1' IDENTIFIED BY '\(Self.password)';
                GRANT SELECT ON shop.* TO 'analyst'@'127.0.0.1';
                """)
            let secret = mariadb.connectionString(database: "shop", user: "analyst", password: Self.password)
            let environment = ["LIVE_SHOP": secret]
            var live = Self.table("live_orders", .mysql, variable: "LIVE_SHOP", bucket: "shop", sourceTable: "orders")
            live.queryMode = .remote
            var totals = Self.table("live_totals", .mysql, variable: "LIVE_SHOP", bucket: nil, sourceTable: nil)
            totals.queryMode = .remote
            totals.sourceQuery = "SELECT region, SUM(amount) AS total FROM orders GROUP BY region"
            let outcomes = await setup.extract(.mysql, environment, [live, totals])
            #expect(outcomes["live_orders"]?.status == .ok, "\(outcomes)")
            #expect(outcomes["live_totals"]?.status == .ok, "\(outcomes)")

            try await setup.checkRemote(
                .mysql, [live, totals], environment: environment, secret: secret, password: Self.password,
                expectedAttachment: RemoteAttachment(
                    alias: "db_mysql_live_shop", extensionName: "mysql", url: "", tokenEnvironmentVariable: "LIVE_SHOP"),
                sum: "SELECT sum(amount)::VARCHAR FROM \"mysql\".live_orders",
                totals: "SELECT sum(total)::VARCHAR FROM \"mysql\".live_totals", before: "15.25",
                insert: { try await mariadb.execute("INSERT INTO shop.orders VALUES (3, 'north', 1.50)") }, after: "16.75")
        }
    }

    @Test func mariadbMissingVariableAndWrongPasswordGiveClearOutcomesWithoutTheSecret() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        let mariadb = try await MariaDBServer(in: setup.temporary)
        await withStop(mariadb.stop) {
            try await mariadb.execute(
                """
                CREATE DATABASE shop;
                CREATE TABLE shop.orders (id INT);
                CREATE USER 'analyst'@'127.0.0.1' IDENTIFIED BY '\(Self.password)';
                GRANT SELECT ON shop.* TO 'analyst'@'127.0.0.1';
                """)
            let keyword = mariadb.connectionString(database: "shop", user: "analyst", password: Self.wrongPassword)
            try await setup.checkFailures(
                .mysql, wrongKeyword: keyword, wrongURI: nil, refusal: "Access denied for user 'analyst'@'127.0.0.1'")
        }
    }

    /// A whole-source run (what the schedule does for every connector) with nothing registered writes nothing.
    @Test func aRunWithNothingRegisteredWritesNothing() async throws {
        let setup = try DatabaseSetup()
        defer { setup.remove() }
        for kind in DatabaseKind.allCases {
            let outcomes = await setup.connector(kind, [:]).extract(ExtractRun(tables: [], registered: [], isWholeSource: true))
            #expect(outcomes.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: setup.source(kind).directory.path))
        }
    }

    // MARK: Redaction

    @Test func redactionRemovesConnectionStringsAndPasswordsInEveryForm() {
        let cases: [(connection: String, message: String, password: String)] = [
            ("host=h user=u password=s3cret-1 dbname=d", "at \"host=h user=u password=s3cret-1 dbname=d\": refused", "s3cret-1"),
            ("host=h password = 'with space s3cret-2' dbname=d", "password with space s3cret-2 was refused", "s3cret-2"),
            ("host=h password='quo\\'ted-3' dbname=d", "quo'ted-3 and quo\\'ted-3", "ted-3"),
            ("postgresql://u:p%40ss-4@h:5432/d", "user u with p%40ss-4 or p@ss-4", "ss-4"),
            ("postgresql://u@h/d?password=q-5&sslmode=disable", "password q-5", "q-5"),
            ("host=h port=3306 user=u passwd=m-6 database=d", "Access denied (m-6)", "m-6"),
        ]
        for item in cases {
            let redacted = ExtractAttacher.redact(item.message, connectionString: item.connection)
            #expect(!redacted.contains(item.password), "\(item.connection) → \(redacted)")
            #expect(!redacted.contains(item.connection), "\(item.connection) → \(redacted)")
        }
        #expect(
            ExtractAttacher.redact("Unable to connect to Postgres at \"host=h password=x1\": FATAL", connectionString: "host=h password=x1")
                == "Unable to connect to Postgres at \"<connection string>\": FATAL")
    }

    // MARK: Helpers

    /// A registered table of a database source.
    static func table(
        _ id: String, _ kind: DatabaseKind, variable: String, bucket: String?, sourceTable: String?
    ) -> RegisteredTable {
        var table = RegisteredTable(id: id, name: id, sourceType: kind.rawValue, bucket: bucket, sourceTable: sourceTable)
        table.connectionEnvironmentVariable = variable
        return table
    }

    /// Gives PostgreSQL a role `analyst` that must sign in with `password` over TCP (the test server trusts every
    /// user until then; `postgres` stays trusted for the test's own statements); returns its connection string.
    static func requirePasswords(_ postgres: PostgresServer, setup: DatabaseSetup) async throws -> String {
        try await postgres.execute(
            """
            CREATE ROLE analyst LOGIN PASSWORD '\(password)';
            GRANT SELECT ON ALL TABLES IN SCHEMA public TO analyst;
            DO $$ BEGIN
                EXECUTE format('COPY (SELECT unnest(ARRAY[%L, %L, %L])) TO %L', 'local all all trust',
                    'host all postgres 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 scram-sha-256',
                    current_setting('hba_file'));
            END $$;
            SELECT pg_reload_conf();
            """)
        // The postmaster reloads its rules on a signal: wait until a wrong password is refused.
        let wrong = "host=127.0.0.1 port=\(postgres.port) user=analyst password=\(wrongPassword) dbname=postgres"
        let extensions = setup.extensions
        for _ in 0..<100 {
            let refused = try await BlockingExecutor.shared.run {
                let connection = try Database(configuration: .init(extensionDirectory: extensions)).connect()
                do {
                    try ExtractAttacher.attachDatabase(wrong, extensionName: "postgres", alias: "probe", to: connection)
                    return false
                } catch {
                    return true
                }
            }
            if refused { return "host=127.0.0.1 port=\(postgres.port) user=analyst password=\(password) dbname=postgres" }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ExtractError("PostgreSQL did not start asking for passwords")
    }
}

/// Runs `body`, records what it throws as a test failure, and always runs `stop`.
private func withStop(_ stop: () async -> Void, _ body: () async throws -> Void) async {
    do {
        try await body()
    } catch {
        Issue.record(error)
    }
    await stop()
}

/// One test's data directory, extension directory and log capture.
struct DatabaseSetup {
    let temporary: TemporaryDirectory
    let directory: DataDirectory
    let extensions: String
    let logs = LogCapture()

    init() throws {
        temporary = try TemporaryDirectory()
        directory = DataDirectory(temporary.appending("data"))
        try directory.prepare()
        extensions = try #require(
            DuckDBInstallation.extensionDirectory(),
            "DuckDB's extensions are missing: run scripts/setup-duckdb.sh (make test does)")
    }

    func remove() { temporary.remove() }

    func source(_ kind: DatabaseKind) -> ExtractSource { ExtractSource(name: kind.rawValue, in: directory.extracts) }

    func connector(_ kind: DatabaseKind, _ environment: [String: String]) -> DatabaseConnector {
        DatabaseConnector(kind, environment: environment, directory: directory, extensionDirectory: extensions, logger: logs.logger())
    }

    /// Runs `tables` (every one of them registered) and returns the outcomes by table.
    func extract(
        _ kind: DatabaseKind, _ environment: [String: String], _ tables: [RegisteredTable], registered: [RegisteredTable]? = nil
    ) async -> [String: TableOutcome] {
        let outcomes = await connector(kind, environment).extract(
            ExtractRun(tables: tables, registered: registered ?? tables, isWholeSource: false))
        return Dictionary(outcomes.map { ($0.table, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// A DuckDB query's rows, every value as text (`nil` for NULL), run off the cooperative pool.
    func rows(_ sql: String) async throws -> [[String?]] {
        let extensions = self.extensions
        return try await BlockingExecutor.shared.run {
            let connection = try Database(configuration: .init(extensionDirectory: extensions)).connect()
            return try connection.query(sql).rows().map { $0.map(\.stringValue) }
        }
    }

    /// A parquet file's column types as DuckDB reads them.
    func types(of file: URL) async throws -> [String: String] {
        let described = try await rows("DESCRIBE SELECT * FROM read_parquet(\(Identifier.literal(file.path)))")
        return Dictionary(
            described.compactMap { row in row[0].flatMap { name in row[1].map { (name, $0) } } }, uniquingKeysWith: { a, _ in a })
    }

    /// `(id, status)` of a published events file, by id.
    func events(_ kind: DatabaseKind, _ table: String) async throws -> [[String?]] {
        let file = source(kind).parquetFile(for: table)
        return try await rows("SELECT id::VARCHAR, status FROM read_parquet(\(Identifier.literal(file.path))) ORDER BY id, status")
    }

    /// The stored cursor value of `table`.
    func cursor(_ kind: DatabaseKind, _ table: String) throws -> String? {
        DatabaseCursor(stored: try ExtractContract.cursors(source(kind))[table])?.value
    }

    /// The shared incremental scenario over an `events (id, status, updated_at)` table with rows 1 and 2: the first
    /// run reads everything; `change` updates row 1 and adds row 3, which the next run reads alone and upserts (or,
    /// for `appendOnly`, appends); `breakSource` adds row 4 and makes the table unreadable, so the run fails and
    /// leaves the file and the cursor as they were; after `repairSource` the next run reads row 4 alone.
    func checkIncremental(
        _ kind: DatabaseKind, _ environment: [String: String], _ table: RegisteredTable, appendOnly: RegisteredTable? = nil,
        change: () async throws -> Void, breakSource: () async throws -> Void, repairSource: () async throws -> Void
    ) async throws {
        let tables = [table] + (appendOnly.map { [$0] } ?? [])
        let first = await extract(kind, environment, tables)
        for each in tables {
            #expect(first[each.id]?.status == .ok, "\(first)")
            #expect(first[each.id]?.rows == 2)
            #expect(try cursor(kind, each.id) == "2024-01-01 11:00:00")
        }
        #expect(try await events(kind, table.id) == [["1", "new"], ["2", "new"]])

        try await change()
        let second = await extract(kind, environment, tables)
        for each in tables {
            #expect(second[each.id]?.status == .ok, "\(second)")
            #expect(second[each.id]?.rows == 2, "only the changed rows are read")
            #expect(try cursor(kind, each.id) == "2024-01-02 10:00:00")
        }
        #expect(try await events(kind, table.id) == [["1", "paid"], ["2", "new"], ["3", "new"]])
        if let appendOnly {
            #expect(try await events(kind, appendOnly.id) == [["1", "new"], ["1", "paid"], ["2", "new"], ["3", "new"]])
        }

        let file = source(kind).parquetFile(for: table.id)
        let before = try Data(contentsOf: file)
        try await breakSource()
        let failed = await extract(kind, environment, [table], registered: tables)
        #expect(failed[table.id]?.status == .error, "\(failed)")
        #expect(try Data(contentsOf: file) == before, "a failed run leaves the published file")
        #expect(try cursor(kind, table.id) == "2024-01-02 10:00:00", "a failed run leaves the cursor")
        #expect(try ExtractContract.read(source(kind)).tables.map(\.name) == tables.map(\.id).sorted())

        try await repairSource()
        let repaired = await extract(kind, environment, [table], registered: tables)
        #expect(repaired[table.id]?.status == .ok, "\(repaired)")
        #expect(repaired[table.id]?.rows == 1)
        #expect(try await events(kind, table.id) == [["1", "paid"], ["2", "new"], ["3", "new"], ["4", "new"]])
        #expect(try cursor(kind, table.id) == "2024-01-03 08:00:00")
        if let appendOnly {
            #expect(try cursor(kind, appendOnly.id) == "2024-01-02 10:00:00", "a table that did not run keeps its cursor")
        }
    }

    /// Checks a source's published remote tables: the extract names the variable, not the connection string, and
    /// holds neither it nor the password anywhere; the attacher reads the tables live, and refuses clearly without
    /// the variable or with a wrong password.
    func checkRemote(
        _ kind: DatabaseKind, _ remote: [RegisteredTable], environment: [String: String], secret: String, password: String,
        expectedAttachment: RemoteAttachment, sum: String, totals: String, before: String,
        insert: () async throws -> Void, after: String
    ) async throws {
        let source = self.source(kind)
        let (tables, attachments) = try ExtractContract.read(source)
        #expect(tables.map(\.name) == ["live_orders", "live_totals"])
        #expect(tables.allSatisfy { $0.queryMode == .remote })
        #expect(attachments == [expectedAttachment])
        try expectNoSecret(in: source.directory, secret: secret, password: password)

        let extensions = self.extensions
        let extracts = directory.extracts
        func query(_ sql: String, environment: [String: String]) async throws -> String? {
            try await BlockingExecutor.shared.run {
                let connection = try Database(configuration: .init(extensionDirectory: extensions)).connect()
                let attached = try ExtractAttacher(extracts: extracts, environment: environment).attach(source, to: connection)
                // As the orchestrator does: a remote database that cannot be attached fails the remote tables.
                if let failure = attached.remoteFailures.first { throw ExtractError(failure) }
                return try connection.query(sql).scalar()?.stringValue
            }
        }
        #expect(try await query(sum, environment: environment) == before)
        #expect(try await query(totals, environment: environment) == before)
        // A query error that quotes the connection string (a database dropping mid-query) is cleaned of it.
        let attacher = ExtractAttacher(extracts: extracts, environment: environment)
        try await BlockingExecutor.shared.run {
            let connection = try Database(configuration: .init(extensionDirectory: extensions)).connect()
            _ = try attacher.attach(source, to: connection)
        }
        let cleaned = attacher.redactSecrets(in: "Unable to connect at \"\(secret)\" (password \(password))")
        #expect(!cleaned.contains(secret) && !cleaned.contains(password), "\(cleaned)")
        try await insert()
        #expect(try await query(sum, environment: environment) == after, "remote tables are read live")
        #expect(try await query(totals, environment: environment) == after)

        let variable = try #require(expectedAttachment.tokenEnvironmentVariable)
        do {
            _ = try await query(sum, environment: [:])
            Issue.record("the remote database was attached without its variable")
        } catch {
            #expect("\(error)".contains("environment variable \(variable) (the connection string for"), "\(error)")
        }
        let wrong = secret.replacingOccurrences(of: password, with: DatabaseConnectorTests.wrongPassword)
        do {
            _ = try await query(sum, environment: [variable: wrong])
            Issue.record("the remote database was attached with a wrong password")
        } catch {
            let text = "\(error)"
            #expect(text.contains("could not attach"), "\(text)")
            #expect(!text.contains(DatabaseConnectorTests.wrongPassword) && !text.contains(wrong), "\(text)")
        }
        #expect(!logs.lines.joined().contains(password))

        // A later run of a local table keeps the remote tables listed, their views made again over the database.
        guard var copy = remote.first else { return }
        copy.id = "orders_copy"
        copy.name = "orders_copy"
        copy.queryMode = .local
        let outcomes = await extract(kind, environment, [copy], registered: remote + [copy])
        #expect(outcomes.mapValues(\.status) == ["orders_copy": .ok], "\(outcomes)")
        #expect(try ExtractContract.read(source).tables.map(\.name) == ["live_orders", "live_totals", "orders_copy"])
        #expect(try await query(sum, environment: environment) == after)
        try expectNoSecret(in: source.directory, secret: secret, password: password)
    }

    /// A table whose variable is not set, and tables whose connection string has a wrong password (keyword and,
    /// when given, URI form), local and remote: each fails with a message that names the variable or the refusal
    /// and holds neither password nor connection string, in outcomes, logs and files.
    func checkFailures(_ kind: DatabaseKind, wrongKeyword: String, wrongURI: String?, refusal: String) async throws {
        let bucket = kind == .postgres ? "public" : "shop"
        var tables: [RegisteredTable] = []
        var variables: [String: String] = ["WRONG_KEYWORD": wrongKeyword]
        if let wrongURI { variables["WRONG_URI"] = wrongURI }
        for variable in ["MISSING_DB"] + variables.keys.sorted() {
            for mode in [QueryMode.local, .remote] {
                let id = "\(variable.lowercased())_\(mode.rawValue)"
                var table = DatabaseConnectorTests.table(id, kind, variable: variable, bucket: bucket, sourceTable: "orders")
                table.queryMode = mode
                tables.append(table)
            }
        }
        let outcomes = await extract(kind, variables, tables)
        #expect(outcomes.count == tables.count)
        for mode in ["local", "remote"] {
            let missing = outcomes["missing_db_\(mode)"]
            #expect(missing?.status == .error)
            #expect(missing?.error?.contains("environment variable MISSING_DB is not set") == true, "\(String(describing: missing))")
            for variable in variables.keys {
                let outcome = outcomes["\(variable.lowercased())_\(mode)"]
                #expect(outcome?.status == .error)
                #expect(outcome?.error?.contains(refusal) == true, "\(String(describing: outcome))")
            }
        }
        for outcome in outcomes.values {
            let text = outcome.error ?? ""
            #expect(!text.contains(DatabaseConnectorTests.wrongPassword), "\(text)")
            for secret in variables.values { #expect(!text.contains(secret), "\(text)") }
        }
        let logged = logs.lines.joined(separator: "\n")
        #expect(!logged.isEmpty)
        #expect(!logged.contains(DatabaseConnectorTests.wrongPassword))
        try expectNoSecret(in: source(kind).directory, secret: wrongKeyword, password: DatabaseConnectorTests.wrongPassword)
    }

    /// Every file under `folder` is free of `secret` and `password`.
    func expectNoSecret(in folder: URL, secret: String, password: String) throws {
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        #expect(files.contains { $0.lastPathComponent == "extract.duckdb" })
        for file in files where !file.hasDirectoryPath {
            let bytes = try Data(contentsOf: file)
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file.lastPathComponent) holds the connection string")
            #expect(bytes.range(of: Data(password.utf8)) == nil, "\(file.lastPathComponent) holds the password")
        }
    }
}
