import AnalystAPI
import AnalystCore
import Connectors
import DuckDB
import Foundation
import Logging
import TestSupport
import Testing

@testable import Connectors

/// The Keboola connector against a fake Storage API that speaks Keboola's wire protocol.
@Suite struct KeboolaConnectorTests {
    static let orderColumns: [FakeKeboola.Column] = [
        .typed("id", "INTEGER"), .typed("amount", "NUMERIC", length: "12,2"), .typed("ratio", "FLOAT"),
        .typed("paid", "BOOLEAN"), .typed("day", "DATE"), .typed("at", "TIMESTAMP"), .init("note"),
        // Two providers disagree: the user's word wins over the transformation's.
        .init(
            "country",
            [
                (provider: "keboola.snowflake-transformation", basetype: "INTEGER", length: nil),
                (provider: "user", basetype: "STRING", length: nil),
            ]),
    ]
    static let orderRows: [[String?]] = [
        ["1", "10.50", "0.5", "true", "2026-01-02", "2026-01-02 10:00:00", "first, with \"quotes\"", "CZ"],
        ["2", "20.25", "1.5", "false", "2026-02-03", "2026-02-03 11:30:00", "", "DE"],
        ["3", "", "", "", "", "", "line\nbreak", "CZ"],
    ]

    /// A data directory, a fake Keboola and the connector pointed at it.
    struct Fixture {
        let directory: TemporaryDirectory
        let data: DataDirectory
        let fake: FakeKeboola
        let connector: KeboolaConnector
        let logs: LogCapture

        /// With a cloud `storage`, the environment points the S3 and Cloud Storage clients at the fake (as
        /// `AWS_ENDPOINT_URL_S3` and `STORAGE_EMULATOR_HOST` point them at a local emulator).
        static func start(
            environment: [String: String]? = nil, storage: FakeKeboola.StorageBackend = .https, chunkRows: Int? = nil
        ) async throws -> Fixture {
            let directory = try TemporaryDirectory()
            let data = DataDirectory(directory.appending("data"))
            try data.prepare()
            let fake = try await FakeKeboola.start(files: URL(fileURLWithPath: directory.appending("kbc-files")), storage: storage)
            var settings = KeboolaSettings(url: try #require(URL(string: fake.url)))
            settings.pollInterval = .milliseconds(5)
            settings.jobDeadline = .seconds(30)
            let logs = LogCapture()
            var connector = KeboolaConnector(
                settings: settings,
                environment: environment ?? [
                    "KEBOOLA_STORAGE_TOKEN": fake.token, "AWS_ENDPOINT_URL_S3": fake.url, "STORAGE_EMULATOR_HOST": "127.0.0.1:\(fake.port)",
                ], directory: data, logger: logs.logger(level: .debug))
            if let chunkRows { connector.chunkRows = chunkRows }
            return Fixture(directory: directory, data: data, fake: fake, connector: connector, logs: logs)
        }

        func stop() async {
            await fake.stop()
            directory.remove()
        }

        func table(
            _ name: String, bucket: String = "in.c-sales", source: String? = nil, strategy: SyncStrategy = .fullRefresh,
            key: String? = nil
        ) -> RegisteredTable {
            RegisteredTable(
                id: name, name: name, sourceType: "keboola", bucket: bucket, sourceTable: source, syncStrategy: strategy,
                primaryKey: key)
        }

        func run(_ tables: [RegisteredTable], registered: [RegisteredTable]? = nil) async -> [TableOutcome] {
            await connector.extract(ExtractRun(tables: tables, registered: registered ?? tables, isWholeSource: false))
        }

        func query(_ sql: String) throws -> [[Value]] {
            let source = ExtractSource(name: "keboola", in: data.extracts)
            return try source.connectReadOnly().query(sql).rows()
        }
    }

    /// Each partition file's inode and modification time, by partition: equal values mean the file was not rewritten.
    static func fileIdentities(in folder: URL) throws -> [String: String] {
        var identities: [String: String] = [:]
        for name in ExtractSource.partitionNames(in: folder) {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name + ".parquet").path)
            identities[name] = "\(attributes[.systemFileNumber] ?? 0)@\(attributes[.modificationDate] ?? 0)"
        }
        return identities
    }

    @Test func aSlicedGzippedExportBecomesTypedParquet() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable(
            "in.c-sales.orders", columns: Self.orderColumns, primaryKey: ["id"], rows: Self.orderRows,
            description: "Orders from the shop", shape: .init(slices: 2, gzip: true))
        let outcomes = await fixture.run([fixture.table("orders")])
        #expect(outcomes.count == 1)
        let outcome = try #require(outcomes.first)
        #expect(outcome.status == .ok, "\(outcome.error ?? "")")
        #expect(outcome.rows == 3 && outcome.bytes > 0)

        let types = try fixture.query("SELECT column_name, column_type FROM (DESCRIBE orders)").map {
            "\($0[0].stringValue ?? ""):\($0[1].stringValue ?? "")"
        }
        #expect(
            types == [
                "id:BIGINT", "amount:DECIMAL(12,2)", "ratio:DOUBLE", "paid:BOOLEAN", "day:DATE", "at:TIMESTAMP", "note:VARCHAR",
                "country:VARCHAR",
            ])
        let rows = try fixture.query("SELECT id, CAST(amount AS VARCHAR), paid, note, country, amount IS NULL FROM orders ORDER BY id")
        #expect(rows.map { $0[0] } == [.bigint(1), .bigint(2), .bigint(3)])
        #expect(rows[0][1].stringValue == "10.50" && rows[0][2] == .boolean(true))
        #expect(rows[0][3].stringValue == "first, with \"quotes\"")
        #expect(rows[1][3].stringValue == "", "empty text stays an empty string")
        #expect(rows[2][3].stringValue == "line\nbreak" && rows[2][5] == .boolean(true), "empty numbers are NULL")
        let meta = try fixture.query("SELECT table_name, description, rows FROM _meta")
        #expect(meta.first?[1].stringValue == "Orders from the shop" && meta.first?[2] == .bigint(3))

        // What was asked: gzipped RFC CSV of the whole table; the token went only to the Storage API.
        let request = try #require(fixture.fake.exportRequests.first)
        #expect(request.tableID == "in.c-sales.orders" && request.fields["gzip"] == ["1"] && request.fields["format"] == ["rfc"])
        #expect(request.fields["changedSince"] == nil)
        #expect(fixture.fake.tokensSentToFileURLs == 0)
    }

    static let cloudBackends: [FakeKeboola.StorageBackend] = [.s3(region: "eu-central-1"), .gcs, .azure]

    @Test(arguments: cloudBackends)
    func aSlicedExportInTheStacksCloudStorageIsReadWithItsCredentials(_ storage: FakeKeboola.StorageBackend) async throws {
        let fixture = try await Fixture.start(storage: storage)
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable(
            "in.c-sales.orders", columns: Self.orderColumns, primaryKey: ["id"], rows: Self.orderRows,
            shape: .init(slices: 3, gzip: true))
        let outcome = try #require(await fixture.run([fixture.table("orders")]).first)
        #expect(outcome.status == .ok, "\(outcome.error ?? "")")
        #expect(outcome.rows == 3 && outcome.bytes > 0)
        // Every slice came from the storage, with credentials the fake checked (for S3: the SigV4 signature).
        #expect(fixture.fake.storageReads == 3)
        #expect(fixture.fake.tokensSentToFileURLs == 0, "the Storage token never goes to the storage")
        let rows = try fixture.query("SELECT id, CAST(amount AS VARCHAR), paid, note, country FROM orders ORDER BY id")
        #expect(rows.map { $0[0] } == [.bigint(1), .bigint(2), .bigint(3)])
        #expect(rows[0][1].stringValue == "10.50" && rows[0][2] == .boolean(true))
        #expect(rows[0][3].stringValue == "first, with \"quotes\"" && rows[2][3].stringValue == "line\nbreak")
        for secret in fixture.fake.storageSecrets + [fixture.fake.token] {
            #expect(!fixture.logs.lines.contains { $0.contains(secret) })
        }
    }

    @Test(arguments: cloudBackends)
    func refusedStorageCredentialsAreExplainedWithoutShowingThemAndKeepTheLastGoodData(
        _ storage: FakeKeboola.StorageBackend
    ) async throws {
        let fixture = try await Fixture.start(storage: storage)
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable(
            "in.c-sales.orders", columns: Self.orderColumns, rows: Self.orderRows, shape: .init(slices: 2, gzip: true))
        #expect(await fixture.run([fixture.table("orders")]).first?.status == .ok)

        let (store, wrong, expired) =
            switch storage {
            case .s3: ("S3", "HTTP 403: SignatureDoesNotMatch", "HTTP 400: ExpiredToken: The provided token has expired.")
            case .gcs: ("Google Cloud Storage", "HTTP 401: Invalid Credentials", "HTTP 401: Invalid Credentials")
            default: ("Azure Blob Storage", "HTTP 403: AuthenticationFailed", "HTTP 403: AuthenticationFailed")
            }
        fixture.fake.put("in.c-sales.orders", rows: [["9", "1.00", "1", "true", "2026-01-01", "2026-01-01 00:00:00", "x", "PL"]])
        fixture.fake.handOutWrongStorageCredentials()
        let refused = try #require(await fixture.run([fixture.table("orders")]).first)
        #expect(refused.status == .error)
        #expect(
            refused.error?.contains("the export file of in.c-sales.orders could not be read from \(store) (\(wrong)") == true,
            "\(refused.error ?? "")")
        #expect(try fixture.query("SELECT count(*) FROM orders").first?.first == .bigint(3), "the last good data stays")

        fixture.fake.expireStorageCredentials()
        let outdated = try #require(await fixture.run([fixture.table("orders")]).first)
        #expect(outdated.error?.contains("could not be read from \(store) (\(expired)") == true, "\(outdated.error ?? "")")
        #expect(try fixture.query("SELECT count(*) FROM orders").first?.first == .bigint(3))

        // No credential (nor the token) in the outcomes, the log or the extract.
        let extract = try Data(contentsOf: fixture.data.extracts.appendingPathComponent("keboola/extract.duckdb"))
        #expect(fixture.logs.lines.contains { $0.contains("could not be read from \(store)") })
        for secret in fixture.fake.storageSecrets + [fixture.fake.token] {
            #expect(refused.error?.contains(secret) == false && outdated.error?.contains(secret) == false)
            #expect(!fixture.logs.lines.contains { $0.contains(secret) })
            #expect(extract.range(of: Data(secret.utf8)) == nil)
        }
        #expect(fixture.fake.tokensSentToFileURLs == 0)
    }

    @Test func anUnslicedExportWithAHeaderAndChosenColumnsAndFilters() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable(
            "in.c-sales.orders", columns: Self.orderColumns, rows: Self.orderRows, shape: .init(slices: 0, gzip: false))
        var table = fixture.table("cz_orders", source: "orders")
        table.exportColumns = ["id", "country"]
        table.whereFilters = [.init(column: "country", _operator: .eq, values: ["CZ"])]
        let outcomes = await fixture.run([table])
        #expect(outcomes.first?.status == .ok, "\(outcomes.first?.error ?? "")")
        #expect(
            try fixture.query("SELECT id, country FROM cz_orders ORDER BY id") == [
                [.bigint(1), .varchar("CZ")], [.bigint(3), .varchar("CZ")],
            ])
        let request = try #require(fixture.fake.exportRequests.first)
        #expect(request.fields["columns[]"] == ["id", "country"])
        #expect(request.fields["whereFilters[0][column]"] == ["country"] && request.fields["whereFilters[0][values][]"] == ["CZ"])
    }

    @Test func anIncrementalRunAsksForChangedRowsAndUpsertsThem() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable(
            "in.c-sales.orders", columns: Self.orderColumns, primaryKey: ["id"], rows: Self.orderRows,
            shape: .init(slices: 3, gzip: true))
        let table = fixture.table("orders", strategy: .incremental, key: "id")
        // Keboola's times are whole seconds: a second between changes and exports keeps "changed since" exact.
        try await Task.sleep(for: .milliseconds(1100))
        #expect(await fixture.run([table]).first?.status == .ok)
        #expect(fixture.fake.exportRequests.last?.fields["changedSince"] == nil, "the first run is full")

        try await Task.sleep(for: .milliseconds(1100))
        fixture.fake.put(
            "in.c-sales.orders",
            rows: [
                ["2", "99.99", "1.5", "true", "2026-02-03", "2026-02-03 11:30:00", "updated", "DE"],
                ["4", "5.00", "2.0", "false", "2026-03-01", "2026-03-01 09:00:00", "new", "AT"],
            ])
        let second = try #require(await fixture.run([table]).first)
        #expect(second.status == .ok, "\(second.error ?? "")")
        #expect(second.rows == 2, "only the changed rows were read")
        #expect(fixture.fake.exportRequests.last?.fields["changedSince"]?.first?.isEmpty == false)
        let rows = try fixture.query("SELECT id, note, CAST(amount AS VARCHAR) FROM orders ORDER BY id")
        #expect(rows.map { $0[0] } == [.bigint(1), .bigint(2), .bigint(3), .bigint(4)])
        #expect(rows[1][1].stringValue == "updated" && rows[1][2].stringValue == "99.99")
        #expect(try fixture.query("SELECT rows FROM _meta").first?.first == .bigint(4))
    }

    @Test func aPartitionedRunRewritesOnlyTheMonthsItTouches() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        // Orders 1 and 3 fall in January (3 has no date: partition `none`), 2 in February.
        fixture.fake.createTable(
            "in.c-sales.orders", columns: Self.orderColumns, primaryKey: ["id"], rows: Self.orderRows,
            shape: .init(slices: 2, gzip: true))
        var table = fixture.table("orders", strategy: .partitioned, key: "id")
        table.partitionBy = "day"
        try await Task.sleep(for: .milliseconds(1100))
        let first = try #require(await fixture.run([table]).first)
        #expect(first.status == .ok, "\(first.error ?? "")")
        let source = ExtractSource(name: "keboola", in: fixture.data.extracts)
        let folder = source.partitionDirectory(for: "orders")
        #expect(ExtractSource.partitionNames(in: folder) == ["2026-01", "2026-02", "none"])
        let before = try Self.fileIdentities(in: folder)

        // Order 2 moves from February to March, order 5 is new in March: February and March are rewritten, January
        // and the undated partition are the same files as before.
        try await Task.sleep(for: .milliseconds(1100))
        fixture.fake.put(
            "in.c-sales.orders",
            rows: [
                ["2", "99.99", "1.5", "true", "2026-03-03", "2026-03-03 11:30:00", "moved", "DE"],
                ["5", "1.00", "2.0", "false", "2026-03-09", "2026-03-09 09:00:00", "new", "AT"],
            ])
        let second = try #require(await fixture.run([table]).first)
        #expect(second.status == .ok, "\(second.error ?? "")")
        #expect(second.rows == 2)
        #expect(ExtractSource.partitionNames(in: folder) == ["2026-01", "2026-03", "none"], "February emptied and went")
        let after = try Self.fileIdentities(in: folder)
        #expect(after["2026-01"] == before["2026-01"] && after["none"] == before["none"], "untouched partitions were not rewritten")
        let rows = try fixture.query("SELECT id, note, CAST(day AS VARCHAR) FROM orders ORDER BY id")
        #expect(rows.map { $0[0] } == [.bigint(1), .bigint(2), .bigint(3), .bigint(5)], "no duplicate of the moved row")
        #expect(rows[1][1].stringValue == "moved" && rows[1][2].stringValue == "2026-03-03")
        #expect(try fixture.query("SELECT rows FROM _meta").first?.first == .bigint(4))
        #expect(fixture.fake.exportRequests.last?.fields["changedSince"]?.first?.isEmpty == false)

        // The published folder is a link to a version; only the current and the previous version stay.
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder.path).hasPrefix(".orders."))
        let versions = try FileManager.default.contentsOfDirectory(atPath: source.dataDirectory.path).filter { $0.hasPrefix(".orders.") }
        #expect(versions.count == 2)

        // Registered again as one file, the partitions go.
        table.syncStrategy = .fullRefresh
        #expect(await fixture.run([table]).first?.status == .ok)
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        #expect(try fixture.query("SELECT count(*) FROM orders").first?.first == .bigint(4))
        #expect(try FileManager.default.contentsOfDirectory(atPath: source.dataDirectory.path).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func anIncrementalRunRewritesOnlyTheChunksHoldingChangedRows() async throws {
        let fixture = try await Fixture.start(chunkRows: 2048)
        defer { Task { await fixture.stop() } }
        let rows = (1...20000).map { id -> [String?] in [String(id), "1.00", "0.5", "true", "2026-01-02", "2026-01-02 10:00:00", "n", "CZ"]
        }
        fixture.fake.createTable(
            "in.c-sales.orders", columns: Self.orderColumns, primaryKey: ["id"], rows: rows, shape: .init(slices: 2, gzip: true))
        let table = fixture.table("orders", strategy: .incremental, key: "id")
        try await Task.sleep(for: .milliseconds(1100))
        #expect(await fixture.run([table]).first?.status == .ok)
        let source = ExtractSource(name: "keboola", in: fixture.data.extracts)
        let folder = source.partitionDirectory(for: "orders")
        let before = ExtractSource.partitionNames(in: folder)
        // DuckDB's row groups are about, not exactly, 2,048 rows when two threads write: a few chunks, surely more than two.
        #expect(before.count > 2 && before.allSatisfy { $0.hasPrefix("c") }, "\(before)")
        let first = try Self.fileIdentities(in: folder)
        let holder = try #require(
            try fixture.query(
                "SELECT regexp_extract(filename, 'c[0-9]+') FROM read_parquet('\(folder.path)/*.parquet', filename = true) WHERE id = 1"
            ).first?.first?.stringValue)

        try await Task.sleep(for: .milliseconds(1100))
        fixture.fake.put(
            "in.c-sales.orders",
            rows: [
                ["1", "9.99", "0.5", "true", "2026-01-02", "2026-01-02 10:00:00", "updated", "CZ"],
                ["30000", "2.00", "1", "false", "", "", "new", "DE"],
            ])
        let second = try #require(await fixture.run([table]).first)
        #expect(second.status == .ok, "\(second.error ?? "")")
        #expect(second.rows == 2)
        let after = try Self.fileIdentities(in: folder)
        #expect(after[holder] == nil, "the chunk holding the changed row was rewritten")
        for (name, identity) in first where name != holder {
            #expect(after[name] == identity, "chunk \(name) was not touched")
        }
        #expect(after.keys.filter { !first.keys.contains($0) }.allSatisfy { $0 > before.last ?? "" }, "new chunks have new names")
        #expect(try fixture.query("SELECT count(*), count(DISTINCT id) FROM orders").first == [.bigint(20001), .bigint(20001)])
        #expect(try fixture.query("SELECT note FROM orders WHERE id = 1").first?.first == .varchar("updated"))
        #expect(try fixture.query("SELECT rows FROM _meta").first?.first == .bigint(20001))
    }

    @Test func oneFailingTableLeavesTheOthersAndItsOwnLastGoodData() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable("in.c-sales.orders", columns: Self.orderColumns, rows: Self.orderRows)
        fixture.fake.createTable("in.c-hr.salaries", columns: [.typed("id", "INTEGER")], rows: [["1"], ["2"]])
        let orders = fixture.table("orders")
        let salaries = fixture.table("salaries", bucket: "in.c-hr")
        #expect(await fixture.run([orders, salaries]).allSatisfy { $0.status == .ok })

        // The token loses access to one bucket; Keboola's 5xx and 429 are retried.
        fixture.fake.denyAccess(to: "in.c-hr.salaries")
        fixture.fake.failNext(2, pathPrefix: "/v2/storage/tables/in.c-sales.orders", status: 503)
        fixture.fake.failNext(1, pathPrefix: "/v2/storage/jobs", status: 429)
        fixture.fake.put("in.c-sales.orders", rows: [["9", "1.00", "1", "true", "2026-01-01", "2026-01-01 00:00:00", "x", "PL"]])
        let outcomes = await fixture.run([orders, salaries])
        let byTable = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.table, $0) })
        #expect(byTable["orders"]?.status == .ok, "\(byTable["orders"]?.error ?? "")")
        #expect(byTable["salaries"]?.status == .error)
        #expect(byTable["salaries"]?.error?.contains("Keboola token invalid or lacking access to in.c-hr.salaries") == true)
        #expect(byTable["salaries"]?.error?.contains(fixture.fake.token) == false)
        #expect(try fixture.query("SELECT count(*) FROM orders").first?.first == .bigint(4))
        #expect(try fixture.query("SELECT count(*) FROM salaries").first?.first == .bigint(2), "the last good data stays")
    }

    @Test func aRevokedTokenFailsEveryTableWithoutShowingIt() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable("in.c-sales.orders", columns: Self.orderColumns, rows: Self.orderRows)
        #expect(await fixture.run([fixture.table("orders")]).first?.status == .ok)
        fixture.fake.rotateToken(to: "a-new-token")
        let outcome = try #require(await fixture.run([fixture.table("orders")]).first)
        #expect(outcome.status == .error)
        #expect(outcome.error?.contains("Keboola token invalid or lacking access to in.c-sales.orders") == true, "\(outcome.error ?? "")")
        #expect(outcome.error?.contains(fixture.fake.token) == false)
        // The token is in no file the connector wrote.
        let extract = try Data(contentsOf: fixture.data.extracts.appendingPathComponent("keboola/extract.duckdb"))
        #expect(extract.range(of: Data(fixture.fake.token.utf8)) == nil)
        #expect(try fixture.query("SELECT count(*) FROM orders").first?.first == .bigint(3))
    }

    @Test func missingSettingsAndUnknownTablesAreExplained() async throws {
        let fixture = try await Fixture.start(environment: [:])
        defer { Task { await fixture.stop() } }
        let noToken = try #require(await fixture.run([fixture.table("orders")]).first)
        #expect(noToken.error == "the Keboola token is missing: set the environment variable KEBOOLA_STORAGE_TOKEN")

        var withToken = fixture.connector
        withToken = KeboolaConnector(
            settings: withToken.settings, environment: ["KEBOOLA_STORAGE_TOKEN": fixture.fake.token], directory: fixture.data,
            logger: Logger(label: "test"))
        let missing = try #require(
            await withToken.extract(ExtractRun(tables: [fixture.table("nope")], registered: [], isWholeSource: false)).first)
        #expect(missing.error?.contains("Keboola has no table in.c-sales.nope") == true, "\(missing.error ?? "")")
        var noBucket = fixture.table("orders")
        noBucket.bucket = nil
        let unbucketed = try #require(
            await withToken.extract(ExtractRun(tables: [noBucket], registered: [noBucket], isWholeSource: false)).first)
        #expect(unbucketed.error == "bucket is not set: give the Keboola bucket id, e.g. in.c-sales")
    }

    @Test func settingsRefusePlainHTTPOffLoopback() throws {
        func resolve(_ yaml: String, _ environment: [String: String] = [:]) throws -> ConnectorSettings {
            try ConnectorSettings.resolve(
                instance: try InstanceConfig.parse(yaml: yaml, path: nil, environment: environment), environment: environment)
        }
        #expect(try resolve("").keboola == nil)
        #expect(try resolve("", ["KEBOOLA_STACK_URL": "https://connection.keboola.com"]).keboola?.url.host == "connection.keboola.com")
        #expect(try resolve("keboola:\n  url: http://127.0.0.1:9000\n  token_env: MY_TOKEN").keboola?.tokenVariable == "MY_TOKEN")
        #expect(throws: ConnectorSettingsError.self) { try resolve("keboola:\n  url: http://connection.keboola.com") }
        #expect(throws: ConnectorSettingsError.self) { try resolve("keboola:\n  url: ftp://x") }
        #expect(throws: ConnectorSettingsError.self) { try resolve("keboola:\n  url: https://x\n  token_env: lower") }
    }
}
