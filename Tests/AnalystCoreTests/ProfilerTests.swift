import DuckDB
import Foundation
import TestSupport
import Testing
import Yams

@testable import AnalystCore

struct ProfilerTests {
    /// 60 rows whose every statistic can be worked out by hand (see each column's comment).
    static let fixture = """
        CREATE TABLE t AS SELECT
            i + 1 AS id,                                                           -- 1..60, unique
            'x' AS "constant",                                                     -- one value
            CASE WHEN i < 42 THEN 'active' WHEN i < 54 THEN 'closed' ELSE 'pending' END AS status,  -- 70/20/10 %
            (i % 10)::INTEGER AS qty,                                              -- 0..9, six times each
            (i - 20) * 0.5 AS balance,                                             -- -10.0 .. 19.5
            CASE WHEN i < 36 THEN 0 ELSE i END AS zeros,                           -- 60 % zeros
            CASE WHEN i % 5 < 2 THEN NULL ELSE 'v' || (i % 3) END AS sparse,       -- 40 % NULL
            CASE WHEN i % 15 = 0 THEN NULL ELSE i / 4 END AS amount,               -- 4 NULLs = 6.67 %
            DATE '2023-01-01' + (i * 7)::INTEGER AS created,                       -- weekly, 5 quarters
            TIMESTAMP '2022-12-31 23:00:00' + INTERVAL (i) HOUR AS ts,            -- hourly from New Year's Eve
            CASE WHEN i >= 58 THEN NULL ELSE i % 4 <> 0 END AS flag,               -- 43 true, 15 false, 2 NULL
            'note number ' || i AS note                                            -- 60 distinct texts
        FROM range(60) r(i)
        """

    private func connection(_ setup: String) throws -> Connection {
        let connection = try Database().connect()
        try connection.execute(setup)
        return connection
    }

    private func profile(
        _ setup: String, relation: String = "t", primaryKey: [String] = [], options: ProfilerOptions = ProfilerOptions()
    ) throws -> TableProfile {
        let input = ProfileInput(tableID: "t", relation: relation, primaryKey: primaryKey)
        return try Profiler.profile(input, options: options, on: connection(setup))
    }

    // MARK: - Statistics

    @Test func tableLevelFiguresAddUp() throws {
        let profile = try profile(Self.fixture, primaryKey: ["id"])
        #expect(profile.rowCount == 60)
        #expect(profile.columnCount == 12)
        #expect(!profile.sampled)
        #expect(profile.missingCells == 24 + 4 + 2)
        #expect(profile.missingCellsPct == 4.17)  // 30 of 720 cells
        #expect(profile.avgCompleteness == 95.83)  // (9 × 100 + 60 + 93.33 + 96.67) / 12
        #expect(profile.duplicateRows == 0)
        #expect(profile.variableTypes == [.numeric: 5, .string: 4, .date: 1, .timestamp: 1, .boolean: 1])
        // The first date-like column decides the range, not the timestamp after it.
        #expect(profile.dateRange == .init(earliest: "2023-01-01", latest: "2024-02-18", spanDays: 413))
        #expect(profile.primaryKey == "id")
        #expect(profile.column("id")?.isPrimaryKey == true)
        #expect(profile.column("qty")?.isPrimaryKey == false)
    }

    @Test func alertsAndTheirMessages() throws {
        let profile = try profile(Self.fixture)
        let alerts = profile.alerts.map { "\($0.column)/\($0.type.rawValue): \($0.message)" }
        #expect(
            alerts == [
                "id/unique: id has all unique values",
                "constant/constant: constant is constant (single value)",
                "constant/imbalance: constant is highly imbalanced (top value 100.0%)",
                "status/imbalance: status is highly imbalanced (top value 70.0%)",
                "balance/unique: balance has all unique values",
                "zeros/zeros: zeros has 60.0% zero values",
                "sparse/high_missing: sparse has 40.0% missing values",
                "amount/missing: amount has 6.67% missing values",
                "created/unique: created has all unique values",
                "ts/unique: ts has all unique values",
                "note/unique: note has all unique values",
                "note/high_cardinality: note has high cardinality (60 distinct)",
            ])
        #expect(profile.column("note")?.alerts == [.unique, .highCardinality])
        #expect(profile.column("qty")?.alerts == [])
        #expect(profile.column("flag")?.alerts == [])
    }

    @Test func alertThresholdsComeFromTheOptions() throws {
        var options = ProfilerOptions()
        options.alertMissingPct = 7  // amount's 6.67 % no longer counts
        options.alertHighMissingPct = 50  // sparse's 40 % is only "missing"
        options.alertImbalancePct = 75  // status's 70 % is fine
        options.alertZerosPct = 60  // zeros' 60 % is not above
        options.alertHighCardinality = 60  // note's 60 distinct are not above
        let profile = try profile(Self.fixture, options: options)
        #expect(profile.column("amount")?.alerts == [])
        #expect(profile.column("sparse")?.alerts == [.missing])
        #expect(profile.column("status")?.alerts == [])
        #expect(profile.column("zeros")?.alerts == [])
        #expect(profile.column("note")?.alerts == [.unique])
    }

    @Test func numericStatistics() throws {
        let profile = try profile(Self.fixture)
        let qty = try #require(profile.column("qty"))
        #expect(qty.typeCategory == .numeric)
        #expect(qty.type == "INTEGER")
        #expect(qty.uniqueCount == 10)
        #expect(qty.uniquePct == 16.67)
        let stats = try #require(qty.numericStats)
        #expect(stats.min == 0 && stats.max == 9 && stats.mean == 4.5 && stats.median == 4.5)
        #expect(stats.stddev == 2.9)  // sqrt(8.25 × 60 / 59) = 2.8965…
        #expect([stats.p5, stats.p25, stats.p75, stats.p95] == [0, 2, 7, 9])
        #expect(stats.zeros == 6 && stats.zerosPct == 10)
        #expect(stats.negative == 0 && stats.negativePct == 0)
        // Ties between equally frequent values are broken by value, numerically.
        #expect(qty.sampleValues == ["0", "1", "2", "3", "4"])
        #expect(try #require(profile.column("id")).sampleValues == ["1", "2", "3", "4", "5"])

        let balance = try #require(profile.column("balance")?.numericStats)
        #expect(balance.min == -10 && balance.max == 19.5 && balance.mean == 4.75)
        #expect(balance.negative == 20 && balance.negativePct == 33.33)
        #expect(balance.zeros == 1 && balance.zerosPct == 1.67)
    }

    @Test func sampleValuesAreTheMostFrequentWithTiesInValueOrder() throws {
        // Inserted in descending order, so an unordered pick would show the largest values.
        let profile = try profile(
            "CREATE TABLE t AS SELECT 20 - i AS n, CASE WHEN i >= 17 THEN 'b' ELSE 'a' || i END AS s FROM range(20) r(i)")
        #expect(profile.column("n")?.sampleValues == ["1", "2", "3", "4", "5"])
        #expect(profile.column("s")?.sampleValues == ["b", "a0", "a1", "a10", "a11"])
        #expect(profile.column("s")?.stringStats?.topValues.prefix(2).map(\.value) == ["b", "a0"])
    }

    @Test func numericHistogramHasEqualWidthBinsFromMinToMax() throws {
        let profile = try profile(Self.fixture)
        let histogram = try #require(profile.column("qty")?.numericStats?.histogram)
        // Width 0.6: value v lands in bin ⌊v / 0.6⌋, the maximum in the last bin.
        #expect(histogram.counts == [6, 6, 0, 6, 0, 6, 6, 0, 6, 0, 6, 6, 0, 6, 6])
        #expect(histogram.bins.count == 15)
        #expect(histogram.bins.first == "0-0.60")
        #expect(histogram.bins[4] == "2.40-3")
        #expect(histogram.bins.last == "8.40-9")
    }

    @Test func histogramLabelsUseThousandsMillionsAndBillions() throws {
        let profile = try profile(
            "CREATE TABLE t AS SELECT i * 100000 AS big, i * 1e8 AS huge, i - 7 AS small FROM range(16) r(i)",
            options: {
                var options = ProfilerOptions(); options.histogramBins = 3; return options
            }())
        #expect(profile.column("big")?.numericStats?.histogram.bins == ["0-500.0K", "500.0K-1.0M", "1.0M-1.5M"])
        #expect(profile.column("big")?.numericStats?.histogram.counts == [5, 5, 6])
        #expect(profile.column("huge")?.numericStats?.histogram.bins == ["0-500.0M", "500.0M-1.0B", "1.0B-1.5B"])
        #expect(profile.column("small")?.numericStats?.histogram.bins == ["-7--2", "-2-3", "3-8"])
    }

    @Test func constantNumbersGetNoHistogram() throws {
        let profile = try profile("CREATE TABLE t AS SELECT 5 AS five, 0.001 * (i % 2) AS tiny FROM range(4) r(i)")
        #expect(profile.column("five")?.numericStats?.histogram == .init())
        // 0 and 0.001 both show as 0 with two decimals, so a histogram would have nothing to tell apart.
        #expect(profile.column("tiny")?.numericStats?.histogram == .init())
        #expect(profile.column("five")?.alerts == [.constant])
    }

    @Test func stringStatistics() throws {
        let profile = try profile(Self.fixture)
        let status = try #require(profile.column("status"))
        #expect(status.typeCategory == .string)
        #expect(status.sampleValues == ["active", "closed", "pending"])
        let stats = try #require(status.stringStats)
        #expect(stats.minLength == 6 && stats.maxLength == 7 && stats.avgLength == 6.1)
        #expect(
            stats.topValues == [
                .init(value: "active", count: 42, pct: 70),
                .init(value: "closed", count: 12, pct: 20),
                .init(value: "pending", count: 6, pct: 10),
            ])

        let sparse = try #require(profile.column("sparse"))
        #expect(sparse.nullCount == 24 && sparse.completenessPct == 60)
        // Percentages of top values are of the non-NULL values.
        #expect(sparse.stringStats?.topValues.map(\.pct) == [33.33, 33.33, 33.33])

        let note = try #require(profile.column("note")?.stringStats)
        #expect(note.minLength == 13 && note.maxLength == 14 && note.avgLength == 13.83)
        #expect(note.topValues.isEmpty)  // 60 distinct: not categorical
    }

    @Test func topValuesAreLimited() throws {
        var options = ProfilerOptions()
        options.topValuesLimit = 2
        options.sampleValuesLimit = 1
        let status = try profile(Self.fixture, options: options).column("status")
        #expect(status?.stringStats?.topValues.map(\.value) == ["active", "closed"])
        #expect(status?.sampleValues == ["active"])
    }

    @Test func dateStatisticsAndQuarterHistogram() throws {
        let profile = try profile(Self.fixture)
        let created = try #require(profile.column("created")?.dateStats)
        #expect(created.earliest == "2023-01-01" && created.latest == "2024-02-18" && created.spanDays == 413)
        #expect(created.histogram.bins == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"])
        #expect(created.histogram.counts == [13, 13, 13, 14, 7])

        let ts = try #require(profile.column("ts"))
        #expect(ts.typeCategory == .timestamp)
        #expect(
            ts.dateStats
                == .init(
                    earliest: "2022-12-31", latest: "2023-01-03", spanDays: 3,
                    histogram: .init(bins: ["2022-Q4", "2023-Q1"], counts: [1, 59])))
    }

    @Test func booleanStatistics() throws {
        let flag = try #require(try profile(Self.fixture).column("flag"))
        #expect(flag.typeCategory == .boolean)
        #expect(flag.booleanStats == .init(trueCount: 43, falseCount: 15, truePct: 74.14))
        #expect(flag.nullCount == 2 && flag.completenessPct == 96.67)
        #expect(flag.sampleValues == ["true", "false"])
    }

    @Test func sampleRowsAreTextOrNull() throws {
        let profile = try profile(Self.fixture)
        #expect(profile.sampleRows.count == 5)
        let first = try #require(profile.sampleRows.first)
        #expect(first.cells.map(\.column) == profile.columns.map(\.name))
        #expect(first["id"] == "1" && first["balance"] == "-10.0" && first["created"] == "2023-01-01")
        #expect(first["ts"] == "2022-12-31 23:00:00" && first["flag"] == "false" && first["note"] == "note number 0")
        #expect(first.cells.first { $0.column == "sparse" }?.value == nil)
        #expect(first.cells.contains { $0.column == "sparse" })

        var options = ProfilerOptions()
        options.sampleRowsLimit = 2
        #expect(try self.profile(Self.fixture, options: options).sampleRows.count == 2)
    }

    @Test func duplicateRowsAreCountedByPrimaryKey() throws {
        let setup =
            "CREATE TABLE t AS SELECT * FROM (VALUES (1, 1, 'a'), (1, 1, 'b'), (1, 2, 'c'), (2, 1, 'd'), (2, 1, 'e'), (2, 1, 'f')) v(a, b, c)"
        #expect(try profile(setup, primaryKey: ["a", "b"]).duplicateRows == 3)
        #expect(try profile(setup, primaryKey: ["a"]).duplicateRows == 4)
        #expect(try profile(setup, primaryKey: ["c"]).duplicateRows == 0)
        #expect(try profile(setup).duplicateRows == 0)
        // Rows without a key value repeat each other's (missing) key.
        let nullKeys = "CREATE TABLE t AS SELECT * FROM (VALUES (NULL, 1), (NULL, 1), (1, NULL), (2, NULL)) v(a, b)"
        #expect(try profile(nullKeys, primaryKey: ["a"]).duplicateRows == 1)
        #expect(try profile(nullKeys, primaryKey: ["a", "b"]).duplicateRows == 1)
        // A key naming a column the table lacks cannot be checked.
        let missing = try profile(setup, primaryKey: ["a", "nope"])
        #expect(missing.duplicateRows == 0)
        #expect(missing.primaryKey == "a, nope")
        #expect(missing.columns.map(\.isPrimaryKey) == [true, false, false])
    }

    @Test func largeTablesAreProfiledFromAStableSample() throws {
        var options = ProfilerOptions()
        options.sampleSize = 100
        let setup = "CREATE TABLE t AS SELECT i AS id, CASE WHEN i % 2 = 0 THEN NULL ELSE i END AS half FROM range(1000) r(i)"
        let connection = try connection(setup)
        let input = ProfileInput(tableID: "t", relation: "t")
        let first = try Profiler.profile(input, options: options, on: connection)
        #expect(first.sampled)
        #expect(first.rowCount == 1000)
        let id = try #require(first.column("id"))
        #expect(id.nullCount == 0 && id.uniqueCount == 100)
        #expect(first.column("half").map { $0.nullCount + ($0.uniqueCount) } == 100)
        #expect(first.missingCells == first.column("half")?.nullCount)
        // A different sample of 100 from 0..999 would almost surely differ in its mean.
        let again = try Profiler.profile(input, options: options, on: connection)
        #expect(again == first)

        options.sampleSize = 1000
        let whole = try Profiler.profile(input, options: options, on: connection)
        #expect(!whole.sampled && whole.rowCount == 1000 && whole.column("id")?.uniqueCount == 1000)
        #expect(whole.column("id")?.numericStats?.mean == 499.5)
    }

    @Test func emptyTablesAndEmptyColumns() throws {
        let empty = try profile("CREATE TABLE t (n INTEGER, s VARCHAR, d DATE, b BOOLEAN)")
        #expect(empty.rowCount == 0 && empty.columnCount == 4 && empty.avgCompleteness == 0 && empty.missingCellsPct == 0)
        #expect(empty.alerts.isEmpty && empty.sampleRows.isEmpty && empty.dateRange == nil)
        #expect(empty.column("n")?.numericStats?.min == nil)
        #expect(empty.column("s")?.stringStats == .init(minLength: 0, maxLength: 0, avgLength: 0, topValues: []))
        #expect(empty.column("b")?.booleanStats == .init(trueCount: 0, falseCount: 0, truePct: 0))

        let nulls = try profile("CREATE TABLE t AS SELECT i, NULL::DOUBLE AS n, NULL::DATE AS d FROM range(3) r(i)")
        let n = try #require(nulls.column("n"))
        #expect(n.completenessPct == 0 && n.uniquePct == 0 && n.alerts == [.highMissing])
        #expect(n.numericStats?.histogram == .init() && n.numericStats?.mean == nil)
        #expect(nulls.dateRange == nil)
        #expect(nulls.column("d")?.dateStats == .init(earliest: nil, latest: nil, spanDays: nil, histogram: .init()))
        #expect(nulls.alerts.map(\.message) == ["i has all unique values", "n has 100.0% missing values", "d has 100.0% missing values"])
    }

    @Test func notANumberAndInfinityBecomeNull() throws {
        let profile = try profile("CREATE TABLE t AS SELECT * FROM (VALUES (1.0::DOUBLE), (2.0), ('NaN'), ('inf')) v(x)")
        let stats = try #require(profile.column("x")?.numericStats)
        #expect(stats.min == 1)
        #expect(stats.max == nil && stats.mean == nil && stats.stddev == nil)
        #expect(stats.histogram == .init())
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(profile)) as? [String: Any]
        let columns = json?["columns"] as? [[String: Any]]
        let encoded = columns?.first?["numeric_stats"] as? [String: Any]
        #expect(encoded?["max"] is NSNull)
    }

    @Test func everyOtherTypeIsProfiledAsText() throws {
        let profile = try profile(
            """
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            CREATE TABLE t AS SELECT [1, 2] AS items, {'a': 1} AS record, '\\xAA'::BLOB AS bytes,
                uuid() AS id, INTERVAL 2 DAY AS span, TIME '10:00' AS clock, 'ok'::mood AS mood,
                12.5::DECIMAL(10, 2) AS price, 170141183460469231731687303715884105727::HUGEINT AS huge,
                TIMESTAMPTZ '2024-05-01 12:00:00+00' AS stamp, MAP {'k': 1} AS "odd ""name"" here"
            FROM range(3)
            """)
        let categories = profile.columns.map(\.typeCategory)
        #expect(categories == [.string, .string, .string, .string, .string, .string, .string, .numeric, .numeric, .timestamp, .string])
        #expect(profile.column("items")?.stringStats?.topValues == [.init(value: "[1, 2]", count: 3, pct: 100)])
        #expect(profile.column("bytes")?.sampleValues == ["\\xAA"])
        #expect(profile.column("price")?.numericStats?.mean == 12.5)
        #expect(profile.column("stamp")?.dateStats?.histogram.bins == ["2024-Q2"])
        #expect(profile.column("odd \"name\" here")?.sampleValues == ["{k=1}"])
        #expect(profile.sampleRows.first?["odd \"name\" here"] == "{k=1}")
    }

    @Test func typeClasses() {
        let expected: [String: TableProfile.TypeCategory] = [
            "BOOLEAN": .boolean, "BOOL": .boolean, "DATE": .date, "TIMESTAMP": .timestamp,
            "TIMESTAMP WITH TIME ZONE": .timestamp, "TIMESTAMP_NS": .timestamp, "INTEGER": .numeric, "BIGINT": .numeric,
            "DECIMAL(18,3)": .numeric, "DOUBLE": .numeric, "HUGEINT": .numeric, "UTINYINT": .numeric,
            "UHUGEINT": .numeric, "float": .numeric, "VARCHAR": .string, "TIME": .string, "INTEGER[]": .string,
            "STRUCT(a INTEGER)": .string, "UUID": .string,
        ]
        for (type, category) in expected {
            #expect(TableProfile.TypeCategory(duckDBType: type) == category, "\(type)")
        }
    }

    @Test func roundingAndLabels() {
        #expect(ProfileNumbers.round2(2.675) == 2.67)  // 2.67499999… in binary
        #expect(ProfileNumbers.round2(0.125) == 0.12)  // an exact half rounds to even
        #expect(ProfileNumbers.round2(33.335) == 33.34)
        #expect(ProfileNumbers.round2(-0.001) == 0)
        #expect(ProfileNumbers.round2(.nan) == nil && ProfileNumbers.round2(.infinity) == nil && ProfileNumbers.round2(nil) == nil)
        #expect(ProfileNumbers.percent(1, of: 3) == 33.33 && ProfileNumbers.percent(1, of: 0) == 0)
        #expect(ProfileNumbers.label(1_500) == "1.5K" && ProfileNumbers.label(-2_500_000) == "-2.5M")
        #expect(ProfileNumbers.label(3.25e9) == "3.2B" && ProfileNumbers.label(12.5) == "12.50")
        #expect(ProfileNumbers.label(7) == "7" && ProfileNumbers.label(999) == "999" && ProfileNumbers.label(0.6) == "0.60")
        #expect(ProfileNumbers.text(40) == "40.0" && ProfileNumbers.text(6.67) == "6.67")
    }

    // MARK: - Input, output and errors

    @Test func jsonHasTheReferenceKeysAndWritesNulls() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try connection(Self.fixture)
        let file = directory.appending("t.parquet")
        try connection.execute("COPY t TO \(Identifier.literal(file)) (FORMAT PARQUET)")
        let input = ProfileInput(
            tableID: "shop.t", relation: "read_parquet(\(Identifier.literal(file)))", description: "Orders",
            primaryKey: ["id"], syncStrategy: "full_refresh", lastSync: Date(timeIntervalSince1970: 1_700_000_000),
            fileSizeBytes: 3_145_728,
            relatedTables: [
                .init(table: "c", joinColumn: "id", foreignColumn: "t_id", direction: .hasMany, description: "Referenced by c")
            ],
            usedByMetrics: [.init(name: "m", file: "sales/m.yml")])
        let profile = try Profiler.profile(input, options: ProfilerOptions(), on: connection)
        #expect(profile.fileSizeMB == 3 && profile.lastSync == "2023-11-14T22:13:20Z")
        let data = try JSONEncoder().encode(profile)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(json.keys) == [
                "table_id", "description", "primary_key", "sync_strategy", "row_count", "column_count", "file_size_mb",
                "avg_completeness", "missing_cells", "missing_cells_pct", "duplicate_rows", "variable_types", "date_range",
                "alerts", "sampled", "last_sync", "related_tables", "used_by_metrics", "columns", "sample_rows",
            ])
        #expect(json["table_id"] as? String == "shop.t" && json["file_size_mb"] as? Double == 3)
        #expect(json["variable_types"] as? [String: Int] == ["NUMERIC": 5, "STRING": 4, "DATE": 1, "TIMESTAMP": 1, "BOOLEAN": 1])
        #expect(keys(json["date_range"]) == ["earliest", "latest", "span_days"])
        let related = (json["related_tables"] as? [[String: Any]])?.first
        #expect(keys(related) == ["table", "join_column", "foreign_column", "direction", "description"])
        #expect(related?["direction"] as? String == "has_many")
        #expect((json["used_by_metrics"] as? [[String: String]]) == [["name": "m", "file": "sales/m.yml"]])
        #expect(
            (json["alerts"] as? [[String: String]])?.first == ["column": "id", "type": "unique", "message": "id has all unique values"])
        let sampleRow = try #require((json["sample_rows"] as? [[String: Any]])?.first)
        #expect(sampleRow["id"] as? String == "1" && sampleRow["sparse"] is NSNull)

        let columns = try #require(json["columns"] as? [[String: Any]])
        let common: Set<String> = [
            "name", "type", "type_category", "completeness_pct", "null_count", "unique_count", "unique_pct", "sample_values",
            "is_primary_key", "alerts",
        ]
        let byName = Dictionary(uniqueKeysWithValues: columns.compactMap { column in (column["name"] as? String).map { ($0, column) } })
        #expect(keys(byName["qty"]) == common.union(["numeric_stats"]))
        #expect(keys(byName["status"]) == common.union(["string_stats"]))
        #expect(keys(byName["created"]) == common.union(["date_stats"]))
        #expect(keys(byName["flag"]) == common.union(["boolean_stats"]))
        #expect(byName["note"]?["alerts"] as? [String] == ["unique", "high_cardinality"])
        let numeric = try #require(byName["qty"]?["numeric_stats"] as? [String: Any])
        #expect(
            Set(numeric.keys) == [
                "min", "max", "mean", "median", "stddev", "p5", "p25", "p75", "p95", "zeros", "zeros_pct", "negative",
                "negative_pct", "histogram",
            ])
        #expect(keys(numeric["histogram"]) == ["bins", "counts"])
        #expect(keys(byName["status"]?["string_stats"]) == ["min_length", "max_length", "avg_length", "top_values"])
        #expect(keys(byName["created"]?["date_stats"]) == ["earliest", "latest", "span_days", "histogram"])
        #expect(keys(byName["flag"]?["boolean_stats"]) == ["true_count", "false_count", "true_pct"])
        #expect(
            ((byName["status"]?["string_stats"] as? [String: Any])?["top_values"] as? [[String: Any]])?.map {
                "\($0["value"] as? String ?? "?") \($0["count"] as? Int ?? -1) \($0["pct"] as? Double ?? -1)"
            } == ["active 42 70.0", "closed 12 20.0", "pending 6 10.0"])

        #expect(try JSONDecoder().decode(TableProfile.self, from: data) == profile)
    }

    @Test func absentValuesAreWrittenAsNullNotLeftOut() throws {
        var profile = try profile("CREATE TABLE t AS SELECT NULL::INTEGER AS n FROM range(2)")
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(profile)) as? [String: Any])
        for key in ["description", "primary_key", "sync_strategy", "file_size_mb", "date_range", "last_sync"] {
            #expect(json[key] is NSNull, "\(key)")
        }
        #expect(json["_stale"] == nil)
        let numeric = ((json["columns"] as? [[String: Any]])?.first?["numeric_stats"]) as? [String: Any]
        for key in ["min", "max", "mean", "median", "stddev", "p5", "p25", "p75", "p95"] {
            #expect(numeric?[key] is NSNull, "\(key)")
        }
        profile.stale = true
        let stale = try JSONSerialization.jsonObject(with: JSONEncoder().encode(profile)) as? [String: Any]
        #expect(stale?["_stale"] as? Bool == true)
    }

    @Test func failuresNameTheStepAndLeaveNoScratchTable() throws {
        let connection = try connection(Self.fixture)
        let error = #expect(throws: ProfilerError.self) {
            try Profiler.profile(ProfileInput(tableID: "gone", relation: "no_such_table"), options: ProfilerOptions(), on: connection)
        }
        guard case .queryFailed(let table, let step, let message)? = error else { return }
        #expect(table == "gone" && step == "counting rows" && message.contains("no_such_table"))
        #expect(error?.description.hasPrefix("cannot profile table gone: counting rows failed:") == true)

        _ = try Profiler.profile(ProfileInput(tableID: "t", relation: "t"), options: ProfilerOptions(), on: connection)
        let temporary = try connection.query("SELECT count(*) FROM duckdb_tables() WHERE temporary").scalar()
        #expect(temporary == .bigint(0))
    }

    @Test func optionsReadTheProfilerSection() throws {
        #expect(try ProfilerOptions(instance: InstanceConfig()) == ProfilerOptions())
        let yaml = """
            profiler:
              sample_size: 1000
              max_categorical_distinct: 20
              top_values_limit: 3
              histogram_bins: 10
              sample_rows_limit: 2
              sample_values_limit: 4
              alert_high_missing_pct: 40
              alert_missing_pct: 2.5
              alert_imbalance_pct: 80
              alert_high_cardinality: 100
            """
        let options = try ProfilerOptions(instance: InstanceConfig.parse(yaml: yaml, path: nil, environment: [:]))
        var expected = ProfilerOptions()
        expected.sampleSize = 1000
        expected.maxCategoricalDistinct = 20
        expected.topValuesLimit = 3
        expected.histogramBins = 10
        expected.sampleRowsLimit = 2
        expected.sampleValuesLimit = 4
        expected.alertHighMissingPct = 40
        expected.alertMissingPct = 2.5
        expected.alertImbalancePct = 80
        expected.alertHighCardinality = 100
        #expect(options == expected)

        let zeroBins = try InstanceConfig.parse(yaml: "profiler:\n  histogram_bins: 0", path: nil, environment: [:])
        #expect(throws: ConfigError.invalidValue(key: "profiler.histogram_bins", message: "must be at least 1, found 0")) {
            try ProfilerOptions(instance: zeroBins)
        }
        let tooMuch = try InstanceConfig.parse(yaml: "profiler:\n  alert_missing_pct: 120", path: nil, environment: [:])
        #expect(throws: ConfigError.self) { try ProfilerOptions(instance: tooMuch) }
        #expect(throws: ConfigError.self) {
            try InstanceConfig.parse(yaml: "profiler:\n  sample_size: lots", path: nil, environment: [:])
        }
    }

    @Test func primaryKeyCommaLists() {
        #expect(ProfileInput.primaryKeyColumns("order_id, line_no") == ["order_id", "line_no"])
        #expect(ProfileInput.primaryKeyColumns(" id ,, ") == ["id"])
        #expect(ProfileInput.primaryKeyColumns(nil) == [])
    }

    /// The keys of a JSON object, or none when `object` is not one.
    private func keys(_ object: Any?) -> Set<String> {
        Set((object as? [String: Any])?.keys.map { $0 } ?? [])
    }

    // MARK: - Metrics

    @Test func metricsUseATableByDeclarationOrByNamingItInSQL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func write(_ path: String, _ text: String) throws {
            let url = directory.url.appendingPathComponent("metrics").appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write(
            "revenue/total_revenue.yml",
            """
            - name: total_revenue
              table: orders
              sql: SELECT sum(total_amount) FROM orders
            """)
        try write(
            "customers/active.yml",
            """
            name: active_customers
            sql: |
              SELECT count(DISTINCT c.id) FROM shop.customers c
            sql_by_region: SELECT region, count(*) FROM "Orders" JOIN customers USING (id) GROUP BY 1
            """)
        try write(
            "ops/archive.yml",
            """
            - name: archived
              tables: [returns]
              sql: SELECT count(*) FROM orders_archive
            """)
        try write("ops/broken.yml", "- name: [unclosed")
        try write("ops/notes.txt", "name: ignored\ntable: orders")
        try write("ops/unnamed.yml", "- table: orders")

        let index = MetricUsageIndex(docsDirectory: directory.path)
        #expect(
            index.metrics(using: "orders") == [
                .init(name: "active_customers", file: "customers/active.yml"),
                .init(name: "total_revenue", file: "revenue/total_revenue.yml"),
            ])
        #expect(index.metrics(using: "customers") == [.init(name: "active_customers", file: "customers/active.yml")])
        #expect(index.metrics(using: "returns") == [.init(name: "archived", file: "ops/archive.yml")])
        #expect(index.metrics(using: "order").isEmpty)
        #expect(index.problems.count == 1)
        #expect(index.problems.first?.hasPrefix("metric definition ops/broken.yml was skipped") == true)
        #expect(MetricUsageIndex(docsDirectory: directory.appending("nowhere")).definitions.isEmpty)
    }

    @Test func wordMatching() {
        #expect(MetricUsageIndex.mentions("select * from orders", word: "orders"))
        #expect(MetricUsageIndex.mentions("FROM shop.Orders o", word: "orders"))
        #expect(MetricUsageIndex.mentions("orders", word: "orders"))
        #expect(!MetricUsageIndex.mentions("from orders_2024", word: "orders"))
        #expect(!MetricUsageIndex.mentions("from preorders", word: "orders"))
        #expect(!MetricUsageIndex.mentions("", word: "orders"))
    }
}
