import DuckDB
import Foundation
import TestSupport
import Testing

@testable import AnalystCore

struct OrchestratorTests {
    /// A data directory with a system database and helpers to write sources.
    struct Setup {
        let directory: DataDirectory
        let system: SystemDatabase
        let orchestrator: Orchestrator
        let attacher: ExtractAttacher

        init(_ temporary: TemporaryDirectory) throws {
            directory = DataDirectory(temporary.appending("data"))
            try directory.prepare()
            system = try SystemDatabase(path: directory.systemDatabase.path, logger: LogCapture().logger())
            attacher = ExtractAttacher(extracts: directory.extracts, environment: [:])
            orchestrator = Orchestrator(
                directory: directory, system: system, attacher: attacher, extensionDirectory: nil, logger: LogCapture().logger())
        }

        /// A query side on the rebuilt `server.duckdb`, as the server opens it.
        func queryEpoch(poolSize: Int = 1) throws -> AnalyticsDatabase {
            try AnalyticsDatabase(
                path: directory.analyticsDatabase.path, poolSize: poolSize, attacher: attacher, logger: LogCapture().logger())
        }

        /// Writes source `name` with tables of `rows` rows each (parquet via DuckDB).
        func writeSource(
            _ name: String, tables: [String: Int], remote: [String: String] = [:], attachments: [RemoteAttachment] = []
        ) throws {
            try ExtractFixtures.write(name, tables: tables, in: directory.extracts, remote: remote, attachments: attachments)
        }
    }

    @Test func publishesEverySourceAndHashesOnlyChangedFiles() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try Setup(temporary)
        try setup.writeSource("shop", tables: ["orders": 10, "customers": 5])
        try setup.writeSource("crm", tables: ["leads": 3], remote: ["live_calls": "SELECT 42 AS answer"])
        let first = try await setup.orchestrator.rebuild()
        #expect(first.published == ["shop": ["customers", "orders"], "crm": ["leads", "live_calls"]])
        #expect(Set(first.changedTables) == ["orders", "customers", "leads"])
        let state = Dictionary(uniqueKeysWithValues: try await SyncStateStore(system: setup.system).all().map { ($0.id, $0) })
        let orders = try #require(state["orders"])
        let file = ExtractSource(name: "shop", in: setup.directory.extracts).parquetFile(for: "orders")
        #expect(orders.hash == (try Orchestrator.sha256(ofFile: file.path)))
        #expect(orders.rows == 10)
        #expect(orders.columns == [ColumnInfo(name: "id", type: "BIGINT"), ColumnInfo(name: "label", type: "VARCHAR")])
        #expect(state["live_calls"]?.queryMode == .remote)
        #expect(state["live_calls"]?.hash == "")

        let second = try await setup.orchestrator.rebuild()
        #expect(second.changedTables.isEmpty, "unchanged files are not hashed again")

        // The views resolve through a query epoch, which attaches the extracts.
        let analytics = try setup.queryEpoch()
        let count = try await analytics.withConnection { try $0.query("SELECT count(*) FROM orders").scalar() }
        #expect(count == .bigint(10))
        let answer = try await analytics.withConnection { try $0.query("SELECT answer FROM live_calls").scalar() }
        #expect(answer == .integer(42))
        let outside = await #expect(throws: DuckDBError.self) {
            try await analytics.withConnection { try $0.query("SELECT * FROM read_csv('/etc/passwd')").rows() }
        }
        #expect(outside?.description.contains("disabled by configuration") == true, "external access is off")
        let locked = await #expect(throws: DuckDBError.self) {
            try await analytics.withConnection { try $0.execute("SET enable_external_access = true") }
        }
        #expect(locked?.description.contains("locked") == true)
        await analytics.close()
        await setup.system.close()
    }

    @Test func aFailingSourceAndAConflictAreReportedWhileTheRestPublishes() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try Setup(temporary)
        try setup.writeSource("alpha", tables: ["orders": 3, "only_alpha": 1])
        try setup.writeSource("beta", tables: ["orders": 4, "only_beta": 2])
        let broken = ExtractSource(name: "broken", in: setup.directory.extracts)
        try FileManager.default.createDirectory(at: broken.directory, withIntermediateDirectories: true)
        try Data("not a database".utf8).write(to: broken.database)
        let badName = ExtractSource(name: "Bad-Name", in: setup.directory.extracts)
        try FileManager.default.createDirectory(at: badName.directory, withIntermediateDirectories: true)
        try Data().write(to: badName.database)

        let report = try await setup.orchestrator.rebuild()
        #expect(report.published == ["alpha": ["only_alpha"], "beta": ["only_beta"]])
        #expect(report.tableErrors["orders"]?.contains("published by several sources (alpha, beta)") == true)
        #expect(report.sourceErrors["broken"] != nil)
        #expect(report.sourceErrors["Bad-Name"]?.contains("not an identifier") == true)
        let state = try await SyncStateStore(system: setup.system).all()
        #expect(state.first { $0.id == "orders" }?.status == "error")

        // Fixing the conflict publishes the table on the next rebuild; the other sources keep theirs.
        try FileManager.default.removeItem(at: ExtractSource(name: "beta", in: setup.directory.extracts).directory)
        let fixed = try await setup.orchestrator.rebuild()
        #expect(fixed.published["alpha"] == ["only_alpha", "orders"])
        let after = try await SyncStateStore(system: setup.system).all()
        #expect(after.first { $0.id == "orders" }?.status == "ok")
        #expect(after.first { $0.id == "only_beta" } == nil, "a table nobody publishes leaves sync_state")
        await setup.system.close()
    }

    /// The views are created in one transaction; a view that does not bind (its file is gone) fails alone and names
    /// its table, and every other view is still created and queryable.
    @Test func aViewThatDoesNotBindFailsAloneAmongHundreds() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try Setup(temporary)
        var tables: [String: Int] = [:]
        for index in 0..<200 { tables["t\(index)"] = 1 }
        try setup.writeSource("many", tables: tables)
        try FileManager.default.removeItem(at: ExtractSource(name: "many", in: setup.directory.extracts).parquetFile(for: "t100"))

        let report = try await setup.orchestrator.rebuild()
        #expect(report.tableErrors.keys.sorted() == ["t100"])
        #expect(report.tableCount == 199)
        let file = try Database(path: setup.directory.analyticsDatabase.path).connect()
        #expect(try file.query("SELECT count(*) FROM \(Orchestrator.localFilesTable)").scalar() == .bigint(199))
        #expect(try file.query("SELECT count(*) FROM \(Orchestrator.localFilesTable) WHERE name = 't100'").scalar() == .bigint(0))
        let analytics = try setup.queryEpoch()
        #expect(try await analytics.withConnection { try $0.query("SELECT count(*) FROM t199").scalar() } == .bigint(1))
        await analytics.close()
        await setup.system.close()
    }

    /// A local table of one file is read by name through the query epoch's replacement scan, not a view kept in the
    /// file (~5 KB of memory each while an epoch is open); remote and partitioned tables keep their views, and so does
    /// a table named like one of DuckDB's catalogue views (DuckDB would list its catalogue instead). Names resolve as
    /// DuckDB's own do (any case, quoted, aliased, `main.`), and a name nobody published stays unknown.
    @Test func localTablesAreReadByNameWithoutAViewEach() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try Setup(temporary)
        try setup.writeSource("shop", tables: ["orders": 10, "customers": 5, "sqlite_master": 2, "pg_tables": 3])
        try setup.writeSource("crm", tables: [:], remote: ["live_calls": "SELECT 42 AS answer"])
        let report = try await setup.orchestrator.rebuild()
        #expect(report.published == ["shop": ["customers", "orders", "pg_tables", "sqlite_master"], "crm": ["live_calls"]])
        let state = Dictionary(uniqueKeysWithValues: try await SyncStateStore(system: setup.system).all().map { ($0.id, $0) })
        #expect(state["orders"]?.columns.map(\.name) == ["id", "label"], "columns come from the rebuild's check")

        let file = try Database(path: setup.directory.analyticsDatabase.path).connect()
        let views = try file.query("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").rows()
        #expect(views == [[.varchar("live_calls")], [.varchar("pg_tables")], [.varchar("sqlite_master")]])
        let listed = try file.query("SELECT name, path FROM \(Orchestrator.localFilesTable) ORDER BY name").rows()
        let orders = ExtractSource(name: "shop", in: setup.directory.extracts).parquetFile(for: "orders").path
        #expect(listed.count == 2)
        #expect(listed.last == [.varchar("orders"), .varchar(orders)])

        let analytics = try setup.queryEpoch()
        for sql in [
            "SELECT count(*) FROM orders", "SELECT count(*) FROM ORDERS", "SELECT count(*) FROM \"Orders\" AS o WHERE o.id >= 0",
            "SELECT count(*) FROM main.orders", "SELECT count(*) FROM server.main.orders",
            "SELECT count(*) FROM orders JOIN customers USING (id)",
        ] {
            let count = try await analytics.withConnection { try $0.query(sql).scalar() }
            #expect(count == .bigint(sql.contains("JOIN") ? 5 : 10), "\(sql)")
        }
        let described = try await analytics.withConnection { try $0.query("DESCRIBE orders").rows().map { $0.first } }
        #expect(described == [.varchar("id"), .varchar("label")])
        for (name, rows) in [("sqlite_master", 2), ("pg_tables", 3)] {
            let read = try await analytics.withConnection { try $0.query("SELECT count(*), min(label) FROM \(name)").rows() }
            #expect(read == [[.bigint(Int64(rows)), .varchar("row 0")]], "the table, not DuckDB's catalogue: \(name)")
        }
        #expect(try await analytics.withConnection { try $0.query("SELECT answer FROM live_calls").scalar() } == .integer(42))
        let unknown = await #expect(throws: DuckDBError.self) {
            try await analytics.withConnection { try $0.query("SELECT * FROM not_published").rows() }
        }
        #expect(unknown?.message.contains("not_published does not exist") == true)
        await analytics.close()
        await setup.system.close()
    }

    /// A `server.duckdb` written before the list of local files (a view per table) is still served: a start serves
    /// the last epoch until its rebuild publishes.
    @Test func anAnalyticsFileWithAViewPerTableIsStillServed() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try Setup(temporary)
        try setup.writeSource("shop", tables: ["orders": 10])
        let parquet = ExtractSource(name: "shop", in: setup.directory.extracts).parquetFile(for: "orders").path
        do {
            let old = try Database(path: setup.directory.analyticsDatabase.path).connect()
            try old.execute("CREATE VIEW orders AS SELECT * FROM read_parquet(\(Identifier.literal(parquet)))")
        }
        let analytics = try setup.queryEpoch()
        #expect(try await analytics.withConnection { try $0.query("SELECT count(*) FROM orders").scalar() } == .bigint(10))
        await analytics.close()
        await setup.system.close()
    }

    @Test func remoteAttachmentsAreCheckedBeforeAnythingLoads() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try Setup(temporary)
        let cases: [(String, RemoteAttachment, String)] = [
            (
                "evil", RemoteAttachment(alias: "x", extensionName: "httpfs", url: "https://example.com", tokenEnvironmentVariable: nil),
                "extension \"httpfs\" is not allowed"
            ),
            (
                "tokenless",
                RemoteAttachment(
                    alias: "kbc", extensionName: "keboola", url: "https://connection.keboola.com",
                    tokenEnvironmentVariable: "KBC_TOKEN_FOR_TEST"),
                "environment variable KBC_TOKEN_FOR_TEST"
            ),
            (
                "badalias", RemoteAttachment(alias: "main", extensionName: "keboola", url: "u", tokenEnvironmentVariable: nil),
                "remote alias \"main\" is not an identifier"
            ),
        ]
        for (source, attachment, _) in cases {
            try ExtractContract.write(
                ExtractSource(name: source, in: setup.directory.extracts),
                tables: [ExtractTable(name: "\(source)_table", rows: 0, sizeBytes: 0, queryMode: .remote)],
                attachments: [attachment], remoteViews: ["\(source)_table": "SELECT 1 AS one"])
        }
        try setup.writeSource("fine", tables: ["kept": 2])
        let report = try await setup.orchestrator.rebuild()
        for (source, _, message) in cases where source != "tokenless" {
            #expect(report.sourceErrors[source]?.contains(message) == true, "\(source): \(report.sourceErrors[source] ?? "-")")
        }
        // A remote database that cannot be attached (here: its token is not set) fails only its source's remote tables.
        #expect(report.sourceErrors["tokenless"] == nil)
        #expect(
            report.tableErrors["tokenless_table"]?.contains(
                "its remote database could not be attached: environment variable KBC_TOKEN_FOR_TEST")
                == true, "\(report.tableErrors)")
        #expect(report.published == ["fine": ["kept"]], "a source with a bad attachment does not stop the others")
        await setup.system.close()
    }

    @Test func aDeadRemoteDatabaseFailsOnlyItsRemoteTables() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try Setup(temporary)
        try setup.writeSource(
            "mixed", tables: ["local_orders": 3], remote: ["live_orders": "SELECT 1 AS one"],
            attachments: [
                RemoteAttachment(
                    alias: "db_dead", extensionName: "postgres", url: "", tokenEnvironmentVariable: "DEAD_DB_FOR_TEST")
            ])
        let report = try await setup.orchestrator.rebuild()
        #expect(report.published == ["mixed": ["local_orders"]], "the local table is still published")
        #expect(report.sourceErrors.isEmpty)
        #expect(report.tableErrors["live_orders"]?.contains("environment variable DEAD_DB_FOR_TEST") == true, "\(report.tableErrors)")
        await setup.system.close()
    }

    @Test func queriesRunningDuringReloadsAllSucceed() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try Setup(temporary)
        try setup.writeSource("shop", tables: ["orders": 50_000])
        _ = try await setup.orchestrator.rebuild()
        let analytics = try setup.queryEpoch(poolSize: 2)
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    var failed = 0
                    for _ in 0..<40 {
                        do {
                            let sum = try await analytics.withConnection { try $0.query("SELECT sum(id) FROM orders").scalar() }
                            if sum != .hugeint(1_249_975_000) { failed += 1 }
                        } catch {
                            failed += 1
                        }
                    }
                    return failed
                }
            }
            group.addTask {
                for _ in 0..<5 {
                    _ = try await setup.orchestrator.rebuild()
                    try await analytics.reload()
                }
                return 0
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
        #expect(analytics.epoch == 6)
        await analytics.close()
        await setup.system.close()
    }

    /// A remote table is read live from a real PostgreSQL through DuckDB's postgres extension (loaded from
    /// `DUCKDB_HOME/extensions`), by the rebuild and by every query epoch, with the query side's file access off.
    @Test func aRemoteSourceIsQueriedLiveInPostgreSQL() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let postgres = try await PostgresServer(in: temporary)
        do {
            try await postgres.execute(
                "CREATE TABLE deals (id integer, amount numeric(10, 2)); INSERT INTO deals VALUES (1, 10.50), (2, 20.00)")
            let extensions = try #require(DuckDBInstallation.extensionDirectory(), "run scripts/setup-duckdb.sh")
            let directory = DataDirectory(temporary.appending("data"))
            try directory.prepare()
            let system = try SystemDatabase(path: directory.systemDatabase.path, logger: LogCapture().logger())
            let attacher = ExtractAttacher(extracts: directory.extracts, environment: [:])
            let orchestrator = Orchestrator(
                directory: directory, system: system, attacher: attacher, extensionDirectory: extensions,
                logger: LogCapture().logger())

            // What a connector writes: the attachment, and a view over the attached alias (created while attached).
            let source = ExtractSource(name: "crm_live", in: directory.extracts)
            let attachment = RemoteAttachment(
                alias: "crm", extensionName: "postgres", url: postgres.connectionString, tokenEnvironmentVariable: nil)
            try ExtractContract.write(
                source, tables: [ExtractTable(name: "deals", rows: 0, sizeBytes: 0, queryMode: .remote)],
                attachments: [attachment], remoteViews: ["deals": "SELECT 1 AS id"])
            do {
                let writer = try Database(path: source.database.path, configuration: .init(extensionDirectory: extensions))
                    .connect()
                try writer.execute("LOAD postgres")
                try writer.execute("ATTACH \(Identifier.literal(postgres.connectionString)) AS crm (TYPE postgres, READ_ONLY)")
                try writer.execute("CREATE OR REPLACE VIEW deals AS SELECT id, amount FROM crm.public.deals")
                try writer.execute("DETACH crm")
                try writer.execute("CHECKPOINT")
            }

            let report = try await orchestrator.rebuild()
            #expect(report.sourceErrors.isEmpty, "\(report.sourceErrors)")
            #expect(report.published == ["crm_live": ["deals"]])
            let state = try await SyncStateStore(system: system).all().first { $0.id == "deals" }
            #expect(state?.queryMode == .remote)
            #expect(state?.columns.map(\.name) == ["id", "amount"])

            var query = Database.Configuration(extensionDirectory: extensions)
            query.threads = 1
            let analytics = try AnalyticsDatabase(
                path: directory.analyticsDatabase.path, poolSize: 1, configuration: query, attacher: attacher,
                logger: LogCapture().logger())
            let total = { try await analytics.withConnection { try $0.query("SELECT sum(amount)::VARCHAR FROM deals").scalar() } }
            #expect(try await total() == .varchar("30.50"))
            // Live: a row written at the source is seen by the next query, without any sync.
            try await postgres.execute("INSERT INTO deals VALUES (3, 1.25)")
            #expect(try await total() == .varchar("31.75"))
            await analytics.close()
            await system.close()
        } catch {
            await postgres.stop()
            throw error
        }
        await postgres.stop()
    }
}
