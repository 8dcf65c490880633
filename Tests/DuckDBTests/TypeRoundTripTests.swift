import DuckDB
import Foundation
import Testing

/// Every supported type goes in as a bound parameter and comes back equal; NULL of each type reads as `.null`.
struct TypeRoundTripTests {
    let connection: Connection

    init() throws {
        connection = try Database().connect()
        try connection.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    }

    func roundTrip(_ value: Value, as sqlType: String) throws -> Value? {
        try connection.query("SELECT CAST(? AS \(sqlType))", [value]).scalar()
    }

    static let cases: [(String, Value)] = [
        ("BOOLEAN", .boolean(true)),
        ("TINYINT", .tinyint(-128)),
        ("SMALLINT", .smallint(-32_768)),
        ("INTEGER", .integer(Int32.max)),
        ("BIGINT", .bigint(Int64.min)),
        ("HUGEINT", .hugeint(Int128.max)),
        ("HUGEINT", .hugeint(-170_141_183_460_469_231_731_687_303_715_884_105_727)),
        ("UTINYINT", .utinyint(255)),
        ("USMALLINT", .usmallint(65_535)),
        ("UINTEGER", .uinteger(UInt32.max)),
        ("UBIGINT", .ubigint(UInt64.max)),
        ("UHUGEINT", .uhugeint(UInt128.max)),
        ("FLOAT", .float(3.25)),
        ("DOUBLE", .double(-1.0e300)),
        ("DECIMAL(4,1)", .decimal(DecimalValue(unscaled: -1234, width: 4, scale: 1))),
        ("DECIMAL(9,4)", .decimal(DecimalValue(unscaled: 123_456_789, width: 9, scale: 4))),
        ("DECIMAL(18,3)", .decimal(DecimalValue(unscaled: 999_999_999_999_999_999, width: 18, scale: 3))),
        (
            "DECIMAL(38,10)",
            .decimal(DecimalValue(unscaled: 12_345_678_901_234_567_890_123_456_789_012_345_678, width: 38, scale: 10))
        ),
        ("VARCHAR", .varchar("short")),
        ("VARCHAR", .varchar("a string longer than twelve bytes, with ünïcödé ✓")),
        ("VARCHAR", .varchar("")),
        ("BLOB", .blob([0, 1, 2, 255, 0, 42])),
        ("DATE", .date(DateValue(year: 2024, month: 2, day: 29))),
        ("DATE", .date(DateValue(year: 1901, month: 12, day: 13))),
        ("TIME", .time(TimeValue(hour: 23, minute: 59, second: 58, micros: 123_456))),
        ("TIMETZ", .timeWithTimeZone(TimeTZValue(micros: 3_600_000_000, offsetSeconds: 7_200))),
        ("TIMESTAMP", .timestamp(TimestampValue(value: 1_700_000_000_123_456))),
        ("TIMESTAMP_S", .timestamp(TimestampValue(value: 1_700_000_000, unit: .seconds))),
        ("TIMESTAMP_MS", .timestamp(TimestampValue(value: 1_700_000_000_123, unit: .milliseconds))),
        ("TIMESTAMP_NS", .timestamp(TimestampValue(value: 1_700_000_000_123_456_789, unit: .nanoseconds))),
        ("TIMESTAMPTZ", .timestamp(TimestampValue(value: -86_400_000_001, withTimeZone: true))),
        ("INTERVAL", .interval(IntervalValue(months: 14, days: -3, micros: 3_723_000_001))),
        ("UUID", .uuid(UUID(uuid: (0x0F, 0x8F, 0xAD, 0x5B, 0xD9, 0xCB, 0x46, 0x9F, 0xA1, 0x65, 0x70, 0x86, 0x77, 0x28, 0x95, 0x0E)))),
        ("UUID", .uuid(UUID(uuid: (0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01)))),
        ("mood", .enumeration("happy")),
        ("INTEGER[]", .list([.integer(1), .null, .integer(3)])),
        ("VARCHAR[]", .list([])),
        ("VARCHAR[][]", .list([.list([.varchar("a")]), .list([.varchar("b"), .varchar("a long string value here")])])),
        ("INTEGER[3]", .list([.integer(7), .integer(8), .integer(9)])),
        (
            "STRUCT(id BIGINT, name VARCHAR, tags VARCHAR[])",
            .structure([
                StructField("id", .bigint(5)), StructField("name", .null),
                StructField("tags", .list([.varchar("x")])),
            ])
        ),
        ("MAP(VARCHAR, INTEGER)", .map([MapEntry(.varchar("a"), .integer(1)), MapEntry(.varchar("b"), .null)])),
        ("BIT", .bit("0101100111")),
    ]

    @Test("every type round-trips through a bound parameter", arguments: TypeRoundTripTests.cases)
    func roundTrips(sqlType: String, value: Value) throws {
        #expect(try roundTrip(value, as: sqlType) == value)
    }

    @Test("NULL of every type reads as .null, bound or literal", arguments: TypeRoundTripTests.cases.map(\.0))
    func nulls(sqlType: String) throws {
        #expect(try roundTrip(.null, as: sqlType) == .null)
        #expect(try connection.query("SELECT NULL::\(sqlType)").scalar() == .null)
    }

    @Test func literalsReadWithoutBinding() throws {
        let row = try #require(
            try connection.query(
                """
                SELECT 12.50::DECIMAL(5,2), DATE '2000-01-01', TIMESTAMP '2024-05-06 07:08:09.5',
                       'ok'::mood, [1, 2], {'a': 1, 'b': 'x'}, MAP {'k': [1.5]}, INTERVAL 90 MINUTE,
                       union_value(num := 2)::UNION(num INTEGER, str VARCHAR), 42::HUGEINT
                """
            ).rows().first)
        #expect(row[0] == .decimal(DecimalValue(unscaled: 1250, width: 5, scale: 2)))
        #expect(row[1] == .date(DateValue(days: 10_957)))
        #expect(row[2] == .timestamp(TimestampValue(value: 1_714_979_289_500_000)))
        #expect(row[3] == .enumeration("ok"))
        #expect(row[4] == .list([.integer(1), .integer(2)]))
        #expect(row[5] == .structure([StructField("a", .integer(1)), StructField("b", .varchar("x"))]))
        #expect(row[6] == .map([MapEntry(.varchar("k"), .list([.decimal(DecimalValue(unscaled: 15, width: 2, scale: 1))]))]))
        #expect(row[7] == .interval(IntervalValue(micros: 5_400_000_000)))
        #expect(row[8] == .integer(2))
        #expect(row[9] == .hugeint(42))
    }

    @Test func columnTypesAreNamedLikeSQL() throws {
        let result = try connection.query(
            "SELECT 1::DECIMAL(18,3) AS d, ['a'] AS l, {'x': 1} AS s, 'sad'::mood AS m, MAP {1: 2} AS mp")
        #expect(result.columns.map(\.name) == ["d", "l", "s", "m", "mp"])
        #expect(
            result.columns.map(\.type.name) == [
                "DECIMAL(18,3)", "VARCHAR[]", "STRUCT(x INTEGER)", "ENUM('sad', 'ok', 'happy')", "MAP(INTEGER, INTEGER)",
            ])
    }

    @Test func valuesPrintAsISOText() throws {
        #expect(DateValue(year: 2024, month: 2, day: 29).description == "2024-02-29")
        #expect(TimestampValue(value: 1_714_979_289_500_000).description == "2024-05-06T07:08:09.5")
        #expect(TimestampValue(value: 0, withTimeZone: true).description == "1970-01-01T00:00:00+00:00")
        #expect(TimestampValue(value: -1, unit: .seconds).description == "1969-12-31T23:59:59")
        #expect(DecimalValue(unscaled: -5, width: 3, scale: 2).description == "-0.05")
        #expect(DecimalValue("123.450") == DecimalValue(unscaled: 123_450, width: 6, scale: 3))
        #expect(IntervalValue(months: 14, days: 3, micros: 3_723_500_000).description == "P1Y2M3DT1H2M3.5S")
        #expect(TimeTZValue(micros: 0, offsetSeconds: -19_800).description == "00:00:00-05:30")
    }
}
