import AnalystAPI
import AnalystCore
import DuckDB
import Foundation
import Logging
import TestSupport
import Testing

@testable import Connectors

/// The BigQuery connector against a fake BigQuery that speaks the REST API and the service-account token grant.
@Suite struct BigQueryConnectorTests {
    typealias Field = FakeBigQuery.Field
    typealias Cell = FakeBigQuery.Cell

    /// One column of every type BigQuery has, nested ones included.
    static let everyType: [Field] = [
        Field("id", "INT64", mode: "REQUIRED"), Field("amount", "NUMERIC"), Field("big", "BIGNUMERIC"), Field("ratio", "FLOAT64"),
        Field("paid", "BOOL"), Field("name", "STRING"), Field("raw", "BYTES"), Field("day", "DATE"), Field("at", "DATETIME"),
        Field("clock", "TIME"), Field("ts", "TIMESTAMP"), Field("doc", "JSON"), Field("tags", "INT64", mode: "REPEATED"),
        Field(
            "address", "RECORD",
            fields: [
                Field("city", "STRING"), Field("zip", "INTEGER"),
                Field("geo", "STRUCT", fields: [Field("lat", "FLOAT"), Field("lon", "FLOAT")]), Field("lines", "STRING", mode: "REPEATED"),
            ]),
    ]
    static let bigNumeric = "123456789012345678901234567890.12345678901234567890123456789012345678"
    static let everyTypeRows: [[Cell]] = [
        [
            .text("9007199254740993"), .text("12345678901234567890.123456789"), .text(bigNumeric), .text("0.1"), .text("true"),
            .text("Zoë \"quoted\"\nline"), .text("AP9B"), .text("2024-02-29"), .text("2024-02-29T12:34:56.123456"),
            .text("23:59:59.999999"), .text("1709210096123456"), .text(#"{"a":[1,2.5,"x"]}"#),
            .list([.text("1"), .text("2"), .text("3")]),
            .record([.text("Praha"), .text("11000"), .record([.text("50.0875"), .text("14.4214")]), .list([.text("Main St 1")])]),
        ],
        [
            .text("2"), .null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .list([]), .null,
        ],
    ]

    /// A data directory, a fake BigQuery, a key file and the connector pointed at them.
    struct Fixture {
        let directory: TemporaryDirectory
        let data: DataDirectory
        let fake: FakeBigQuery
        let keyFile: String
        let logs: LogCapture
        let connector: BigQueryConnector

        static func start(environment: [String: String]? = nil) async throws -> Fixture {
            let directory = try TemporaryDirectory()
            let data = DataDirectory(directory.appending("data"))
            try data.prepare()
            let fake = try await FakeBigQuery.start()
            let keyFile = try fake.writeKeyFile(in: directory.path)
            let logs = LogCapture()
            let connector = BigQueryConnector(
                settings: settings(fake), environment: environment ?? ["GOOGLE_APPLICATION_CREDENTIALS": keyFile], directory: data,
                logger: logs.logger(level: .debug))
            return Fixture(directory: directory, data: data, fake: fake, keyFile: keyFile, logs: logs, connector: connector)
        }

        static func settings(_ fake: FakeBigQuery) -> BigQuerySettings {
            var settings = BigQuerySettings(apiURL: URL(fileURLWithPath: "/"), project: fake.project, location: "EU")
            settings.apiURL = URL(string: fake.url) ?? settings.apiURL
            settings.retryBackoff = .milliseconds(5)
            settings.pollWait = .milliseconds(50)
            return settings
        }

        func stop() async {
            await fake.stop()
            directory.remove()
        }

        func table(
            _ name: String, dataset: String = "sales", source: String? = nil, strategy: SyncStrategy = .fullRefresh,
            cursor: String? = nil, key: String? = nil
        ) -> RegisteredTable {
            var table = RegisteredTable(
                id: name, name: name, sourceType: "bigquery", bucket: dataset, sourceTable: source, syncStrategy: strategy,
                primaryKey: key)
            table.cursorColumn = cursor
            return table
        }

        func run(_ tables: [RegisteredTable], registered: [RegisteredTable]? = nil) async -> [TableOutcome] {
            await connector.extract(ExtractRun(tables: tables, registered: registered ?? tables, isWholeSource: false))
        }

        func query(_ sql: String) throws -> [[Value]] {
            try ExtractSource(name: "bigquery", in: data.extracts).connectReadOnly().query(sql).rows()
        }

        /// Every secret of this test: the tokens issued and the private key.
        var secrets: [String] { fake.issuedTokens + [fake.privateKeyPEM, "MII"] }
    }

    @Test func everyTypeMaterialisesWithExactValues() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable(dataset: "sales", name: "everything", fields: Self.everyType, rows: Self.everyTypeRows)
        let outcome = try #require(await fixture.run([fixture.table("everything")]).first)
        #expect(outcome.status == .ok, "\(outcome.error ?? "")")
        #expect(outcome.rows == 2 && outcome.bytes > 0)
        #expect(fixture.fake.queries == ["SELECT * FROM `test-project.sales.everything`"])

        let types = try fixture.query("SELECT column_name, column_type FROM (DESCRIBE everything)").map {
            "\($0[0].stringValue ?? ""):\($0[1].stringValue ?? "")"
        }
        #expect(
            types == [
                "id:BIGINT", "amount:DECIMAL(38,9)", "big:VARCHAR", "ratio:DOUBLE", "paid:BOOLEAN", "name:VARCHAR", "raw:BLOB",
                "day:DATE", "at:TIMESTAMP", "clock:TIME", "ts:TIMESTAMP WITH TIME ZONE", "doc:JSON", "tags:BIGINT[]",
                "address:STRUCT(city VARCHAR, zip BIGINT, geo STRUCT(lat DOUBLE, lon DOUBLE), lines VARCHAR[])",
            ], "\(types)")
        let row = try #require(
            try fixture.query(
                """
                SELECT id, amount::VARCHAR, amount = CAST('12345678901234567890.123456789' AS DECIMAL(38,9)), big, ratio, paid, name, raw,
                    day::VARCHAR, "at"::VARCHAR, clock::VARCHAR, epoch_us(ts), doc::VARCHAR, doc->>'$.a[2]', tags::VARCHAR,
                    address.city, address.zip, address.geo.lat, CAST(address.lines AS VARCHAR)
                FROM everything WHERE id > 2
                """
            ).first)
        #expect(row[0] == .bigint(9_007_199_254_740_993), "an INT64 beyond a double's precision stays exact")
        #expect(row[1].stringValue == "12345678901234567890.123456789" && row[2] == .boolean(true), "NUMERIC is exact")
        #expect(row[3].stringValue == Self.bigNumeric, "BIGNUMERIC keeps every digit as text")
        #expect(row[4] == .double(0.1) && row[5] == .boolean(true))
        #expect(row[6].stringValue == "Zoë \"quoted\"\nline")
        #expect(row[7] == .blob([0x00, 0xFF, 0x41]), "BYTES arrive as base64 and become bytes")
        #expect(row[8].stringValue == "2024-02-29" && row[9].stringValue == "2024-02-29 12:34:56.123456")
        #expect(row[10].stringValue == "23:59:59.999999")
        #expect(row[11] == .bigint(1_709_210_096_123_456), "TIMESTAMP keeps its microseconds")
        #expect(row[12].stringValue == #"{"a":[1,2.5,"x"]}"# && row[13].stringValue == "x")
        #expect(row[14].stringValue == "[1, 2, 3]")
        #expect(row[15].stringValue == "Praha" && row[16] == .bigint(11000) && row[17] == .double(50.0875))
        #expect(row[18].stringValue == "[Main St 1]")

        let nulls = try #require(
            try fixture.query(
                """
                SELECT amount IS NULL AND big IS NULL AND ratio IS NULL AND paid IS NULL AND name IS NULL AND raw IS NULL
                    AND day IS NULL AND "at" IS NULL AND clock IS NULL AND ts IS NULL AND doc IS NULL AND address IS NULL,
                    len(tags)
                FROM everything WHERE id = 2
                """
            ).first)
        #expect(nulls == [.boolean(true), .bigint(0)], "NULLs stay NULL, an empty repeated value is an empty list")
        #expect(try fixture.query("SELECT rows FROM _meta WHERE table_name = 'everything'") == [[.bigint(2)]])
    }

    @Test func resultsArePagedAndSlowJobsArePolled() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let rows = (1...7).map { [Cell.text("\($0)"), .text("row \($0)")] }
        fixture.fake.createTable(dataset: "sales", name: "orders", fields: [Field("id", "INT64"), Field("note", "STRING")], rows: rows)
        fixture.fake.setPageSize(2)
        fixture.fake.setSlowJobs(true)
        let outcome = try #require(await fixture.run([fixture.table("orders")]).first)
        #expect(outcome.status == .ok, "\(outcome.error ?? "")")
        #expect(outcome.rows == 7)
        #expect(try fixture.query("SELECT count(*), count(DISTINCT id), max(id) FROM orders") == [[.bigint(7), .bigint(7), .bigint(7)]])
        let calls = fixture.fake.resultCalls
        // One poll while the job runs, then pages 2..4 by token (page 1 came with the completed poll).
        #expect(calls.count == 4, "\(calls)")
        #expect(calls.first?["pageToken"] == nil && calls.compactMap { $0["pageToken"] } == ["page-2", "page-4", "page-6"])
        #expect(calls.allSatisfy { $0["location"] == "EU" })
    }

    @Test func incrementalRunsReadPastTheCursorAndUpsertByKey() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let fields = [Field("id", "INT64"), Field("status", "STRING"), Field("updated_at", "TIMESTAMP")]
        fixture.fake.createTable(
            dataset: "sales", name: "orders", fields: fields,
            rows: [
                [.text("1"), .text("new"), .text("1700000000000001")], [.text("2"), .text("new"), .text("1700000000000002")],
            ])
        let table = fixture.table("orders", strategy: .incremental, cursor: "updated_at", key: "id")
        #expect(await fixture.run([table]).first?.status == .ok)
        #expect(fixture.fake.queries.last == "SELECT * FROM `test-project.sales.orders`", "the first run is full")

        fixture.fake.put(
            dataset: "sales", name: "orders", key: "id",
            rows: [[.text("2"), .text("paid"), .text("1700000000000005")], [.text("3"), .text("new"), .text("1700000000000006")]])
        let second = try #require(await fixture.run([table]).first)
        #expect(second.status == .ok, "\(second.error ?? "")")
        #expect(second.rows == 2, "only the rows past the cursor were read")
        #expect(
            fixture.fake.queries.last == "SELECT * FROM `test-project.sales.orders` WHERE `updated_at` > TIMESTAMP_MICROS(1700000000000002)"
        )
        #expect(
            try fixture.query("SELECT id, status FROM orders ORDER BY id") == [
                [.bigint(1), .varchar("new")], [.bigint(2), .varchar("paid")], [.bigint(3), .varchar("new")],
            ])
        #expect(try fixture.query("SELECT rows FROM _meta") == [[.bigint(3)]])

        // Nothing new: the cursor stays and no row is lost.
        let third = try #require(await fixture.run([table]).first)
        #expect(third.status == .ok && third.rows == 0)
        #expect(fixture.fake.queries.last?.hasSuffix("> TIMESTAMP_MICROS(1700000000000006)") == true)
        #expect(try fixture.query("SELECT count(*) FROM orders") == [[.bigint(3)]])
    }

    @Test func incrementalWithoutAKeyAppendsByAStringCursor() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let fields = [Field("day", "DATE"), Field("visits", "INT64")]
        fixture.fake.createTable(
            dataset: "web", name: "daily", fields: fields, rows: [[.text("2024-01-01"), .text("5")], [.text("2024-01-02"), .text("7")]])
        let table = fixture.table("daily", dataset: "web", strategy: .incremental, cursor: "day")
        #expect(await fixture.run([table]).first?.status == .ok)
        fixture.fake.put(dataset: "web", name: "daily", key: "day", rows: [[.text("2024-01-03"), .text("9")]])
        let second = try #require(await fixture.run([table]).first)
        #expect(second.status == .ok && second.rows == 1, "\(second.error ?? "")")
        #expect(fixture.fake.queries.last?.hasSuffix("WHERE `day` > CAST('2024-01-02' AS DATE)") == true, "\(fixture.fake.queries)")
        #expect(try fixture.query("SELECT sum(visits) FROM daily") == [[.hugeint(21)]])
    }

    @Test func theTokenIsCachedRenewedAfterExpiryAndAfterA401() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable(dataset: "sales", name: "orders", fields: [Field("id", "INT64")], rows: [[.text("1")]])
        let table = fixture.table("orders")
        #expect(await fixture.run([table]).first?.status == .ok)
        #expect(await fixture.run([table]).first?.status == .ok)
        #expect(fixture.fake.tokenRequests == 1, "two runs share one token")

        fixture.fake.revokeTokens()
        let afterRevoke = try #require(await fixture.run([table]).first)
        #expect(afterRevoke.status == .ok, "\(afterRevoke.error ?? "")")
        #expect(fixture.fake.tokenRequests == 2, "a 401 renews the token once")

        // A token living 61 s is renewed 60 s before it expires: after a second.
        fixture.fake.setTokenLifetime(seconds: 61)
        fixture.fake.revokeTokens()
        #expect(await fixture.run([table]).first?.status == .ok)
        #expect(fixture.fake.tokenRequests == 3)
        try await Task.sleep(for: .milliseconds(1200))
        #expect(await fixture.run([table]).first?.status == .ok)
        #expect(fixture.fake.tokenRequests == 4, "an expiring token is renewed before use")
    }

    @Test func refusalsBecomeClearMessagesWithoutSecretsAndOtherTablesGoOn() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let fields = [Field("id", "INT64")]
        for name in ["orders", "quota", "salaries"] {
            fixture.fake.createTable(dataset: "sales", name: name, fields: fields, rows: [[.text("1")], [.text("2")]])
        }
        let orders = fixture.table("orders")
        let quota = fixture.table("quota")
        let salaries = fixture.table("salaries")
        var broken = fixture.table("broken")
        broken.sourceQuery = "SELEKT everything"
        #expect(await fixture.run([orders, quota, salaries]).allSatisfy { $0.status == .ok })

        fixture.fake.refuse(dataset: "sales", name: "quota", with: .quota)
        fixture.fake.refuse(dataset: "sales", name: "salaries", with: .denied)
        fixture.fake.failNext(1, with: .backend)
        fixture.fake.createTable(dataset: "sales", name: "orders", fields: fields, rows: [[.text("1")], [.text("2")], [.text("3")]])
        let all = [orders, quota, salaries, broken]
        let outcomes = Dictionary(uniqueKeysWithValues: await fixture.run(all).map { ($0.table, $0) })
        #expect(outcomes["orders"]?.status == .ok, "a 503 is retried: \(outcomes["orders"]?.error ?? "")")
        #expect(
            outcomes["quota"]?.error?.hasPrefix("BigQuery refused the query for quota: quotaExceeded: Quota exceeded") == true,
            "\(outcomes["quota"]?.error ?? "")")
        #expect(outcomes["salaries"]?.error?.contains("accessDenied: Access Denied") == true, "\(outcomes["salaries"]?.error ?? "")")
        #expect(outcomes["salaries"]?.error?.contains("Data Viewer") == true)
        #expect(
            outcomes["broken"]?.error?.hasPrefix("BigQuery refused the query for broken: invalidQuery: Syntax error") == true,
            "\(outcomes["broken"]?.error ?? "")")
        // The failed tables keep their last good data; the good one moved on.
        #expect(try fixture.query("SELECT count(*) FROM orders") == [[.bigint(3)]])
        #expect(try fixture.query("SELECT count(*) FROM quota") == [[.bigint(2)]])
        #expect(try fixture.query("SELECT count(*) FROM salaries") == [[.bigint(2)]])

        // No token or key in any message, log line or the extract.
        let texts = outcomes.values.compactMap(\.error) + fixture.logs.lines
        #expect(fixture.logs.lines.contains { $0.contains("quotaExceeded") }, "the failures were logged")
        let extract = try Data(contentsOf: fixture.data.extracts.appendingPathComponent("bigquery/extract.duckdb"))
        for secret in fixture.secrets {
            #expect(!texts.contains { $0.contains(secret) })
            #expect(extract.range(of: Data(secret.utf8)) == nil)
        }
    }

    @Test func missingCredentialsAndBadKeysAreExplained() async throws {
        let fixture = try await Fixture.start(environment: [:])
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable(dataset: "sales", name: "orders", fields: [Field("id", "INT64")], rows: [])
        let missing = try #require(await fixture.run([fixture.table("orders")]).first)
        #expect(missing.error?.hasPrefix("BigQuery credentials are missing: set GOOGLE_APPLICATION_CREDENTIALS") == true)

        // A key the token endpoint does not trust (another RSA key for the same account).
        let other = try await FakeBigQuery.start()
        defer { Task { await other.stop() } }
        let foreignDirectory = fixture.directory.appending("foreign")
        try FileManager.default.createDirectory(atPath: foreignDirectory, withIntermediateDirectories: true)
        var key = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.keyFile))) as? [String: Any] ?? [:]
        key["private_key"] = other.privateKeyPEM
        let foreignKey = foreignDirectory + "/key.json"
        try JSONSerialization.data(withJSONObject: key).write(to: URL(fileURLWithPath: foreignKey))
        let logs = LogCapture()
        let connector = BigQueryConnector(
            settings: Fixture.settings(fixture.fake), environment: ["GOOGLE_APPLICATION_CREDENTIALS": foreignKey],
            directory: fixture.data, logger: logs.logger())
        let refused = try #require(
            await connector.extract(ExtractRun(tables: [fixture.table("orders")], registered: [], isWholeSource: false)).first)
        #expect(refused.error?.contains("the token endpoint refused the service account") == true, "\(refused.error ?? "")")
        #expect(refused.error?.contains("invalid_grant") == true)
        #expect(fixture.fake.tokenRequests == 0)
        #expect(!(logs.lines + [refused.error ?? ""]).contains { $0.contains("PRIVATE KEY") || $0.contains("MII") })
    }

    @Test func theNamesOfATableAreCheckedBeforeTheyReachSQL() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let sneaky = fixture.table("sneaky", dataset: "sales", source: "orders` UNION ALL SELECT * FROM `other.secret.t")
        let dotted = fixture.table("dotted", dataset: "other.secret")
        let outcomes = await fixture.run([sneaky, dotted])
        #expect(outcomes.allSatisfy { $0.status == .error && $0.error?.contains("is not a BigQuery name") == true }, "\(outcomes)")
        #expect(fixture.fake.queries.isEmpty)
    }

    @Test func settingsNeedAProjectAndRefusePlainHTTPOffLoopback() throws {
        func resolve(_ yaml: String, _ environment: [String: String] = [:]) throws -> ConnectorSettings {
            try ConnectorSettings.resolve(
                instance: try InstanceConfig.parse(yaml: yaml, path: nil, environment: environment), environment: environment)
        }
        #expect(try resolve("").bigquery == nil)
        let fromEnvironment = try resolve("", ["BIGQUERY_PROJECT": "my-project", "BIGQUERY_LOCATION": "EU"]).bigquery
        #expect(fromEnvironment?.project == "my-project" && fromEnvironment?.location == "EU")
        #expect(fromEnvironment?.apiURL.absoluteString == "https://bigquery.googleapis.com")
        #expect(try resolve("bigquery:\n  project_id: other-project").bigquery?.project == "other-project")
        #expect(
            try resolve("bigquery:\n  project: p-1\n  api_url: http://127.0.0.1:9050\n  location: europe-west1").bigquery?.apiURL.port
                == 9050)
        #expect(throws: ConnectorSettingsError.self) { try resolve("bigquery:\n  project: p-1\n  api_url: http://bigquery.example.com") }
        #expect(throws: ConnectorSettingsError.self) { try resolve("bigquery:\n  project: \"p`1\"") }
        #expect(throws: ConnectorSettingsError.self) { try resolve("bigquery:\n  project: p-1\n  location: \"EU; DROP\"") }
        #expect(SourceConnectors.unconfigured(settings: try resolve(""))["bigquery"]?.contains("BIGQUERY_PROJECT") == true)
        #expect(SourceConnectors.unconfigured(settings: try resolve("", ["BIGQUERY_PROJECT": "p-1"]))["bigquery"] == nil)
    }

    @Test func aKeyWhoseTokenEndpointIsPlainHTTPOffLoopbackIsRefused() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        var key = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.keyFile))) as? [String: Any] ?? [:]
        key["token_uri"] = "http://oauth2.example.com/token"
        try JSONSerialization.data(withJSONObject: key).write(to: URL(fileURLWithPath: fixture.keyFile))
        fixture.fake.createTable(dataset: "sales", name: "orders", fields: [Field("id", "INT64")], rows: [])
        let outcome = try #require(await fixture.run([fixture.table("orders")]).first)
        #expect(outcome.error?.contains("must use https://") == true, "\(outcome.error ?? "")")
    }

    @Test func remoteTablesNeedTheExtensionFile() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let home = fixture.directory.appending("duckdb-home")
        var remote = fixture.table("live")
        remote.queryMode = .remote
        let settings = ConnectorSettings(environment: ["DUCKDB_HOME": home])
        let refusal = try #require(SourceConnectors.refusal(for: remote, settings: settings))
        let expected = "\(home)/extensions/v1.5.5/\(BigQueryExtension.platform)/bigquery.duckdb_extension"
        #expect(refusal.contains("put bigquery.duckdb_extension for DuckDB v1.5.5") && refusal.contains(expected), "\(refusal)")
        #expect(refusal.contains("not on PyPI"))
        #expect(SourceConnectors.refusal(for: fixture.table("local"), settings: settings) == nil)

        // The connector says the same at run time (e.g. for a table registered before the file went away).
        let outcome = try #require(await fixture.run([remote]).first)
        #expect(outcome.status == .error && outcome.error?.contains("bigquery.duckdb_extension") == true)

        try FileManager.default.createDirectory(
            atPath: (expected as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: expected, contents: Data("not really".utf8)))
        #expect(SourceConnectors.refusal(for: remote, settings: settings) == nil)
        var remoteQuery = remote
        remoteQuery.sourceQuery = "SELECT 1"
        #expect(SourceConnectors.refusal(for: remoteQuery, settings: settings)?.contains("query_mode local") == true)
    }

    @Test func discoveryListsDatasetsAndTables() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        fixture.fake.createTable(
            dataset: "sales", name: "orders", fields: [Field("id", "INT64"), Field("note", "STRING")], rows: [[.text("1"), .null]],
            description: "Shop orders")
        fixture.fake.createTable(dataset: "web", name: "daily", fields: [Field("day", "DATE")], rows: [])
        let settings = ConnectorSettings(
            bigquery: Fixture.settings(fixture.fake), environment: ["GOOGLE_APPLICATION_CREDENTIALS": fixture.keyFile])
        guard case .tables(let tables) = try await Discovery.run(source: "bigquery", settings: settings) else {
            Issue.record("discovery is unavailable")
            return
        }
        #expect(tables.map(\.id) == ["sales.orders", "web.daily"])
        #expect(tables.first?.columns == ["id", "note"] && tables.first?.rowCount == 1 && tables.first?.description == "Shop orders")
        #expect(tables.first?.isSource(of: fixture.table("orders"), sourceType: "bigquery") == true)
    }
}
