import Foundation

/// One DuckDB value of any type, as read from a result or bound to a statement.
///
/// Generic results (the query API, `da query`) use it; hot paths read typed columns from `DataChunk` instead.
/// `Value` encodes to natural JSON (see `Value+JSON.swift`).
public enum Value: Sendable, Hashable {
    case null
    case boolean(Bool)
    case tinyint(Int8)
    case smallint(Int16)
    case integer(Int32)
    case bigint(Int64)
    case hugeint(Int128)
    case utinyint(UInt8)
    case usmallint(UInt16)
    case uinteger(UInt32)
    case ubigint(UInt64)
    case uhugeint(UInt128)
    case float(Float)
    case double(Double)
    /// An exact decimal: `DecimalValue(unscaled: 12345, width: 10, scale: 2)` is `123.45`.
    case decimal(DecimalValue)
    case varchar(String)
    case blob([UInt8])
    case date(DateValue)
    case time(TimeValue)
    case timeWithTimeZone(TimeTZValue)
    case timestamp(TimestampValue)
    case interval(IntervalValue)
    case uuid(UUID)
    /// A member of an ENUM type, by its label. Bound as VARCHAR; DuckDB casts it to the target ENUM.
    case enumeration(String)
    /// LIST or fixed-size ARRAY.
    case list([Value])
    case structure([StructField])
    case map([MapEntry])
    /// A BIT string such as `"0101"`.
    case bit(String)
    /// A column type this binding does not read (e.g. GEOMETRY, VARIANT); carries DuckDB's type name.
    case unsupported(typeName: String)

    /// Whether this is SQL NULL.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// A named member of a STRUCT value, in declaration order.
public struct StructField: Sendable, Hashable {
    public var name: String
    public var value: Value
    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// One key/value pair of a MAP value, in insertion order.
public struct MapEntry: Sendable, Hashable {
    public var key: Value
    public var value: Value
    public init(_ key: Value, _ value: Value) {
        self.key = key
        self.value = value
    }
}

/// An exact DECIMAL(width, scale): the number is `unscaled / 10^scale`.
public struct DecimalValue: Sendable, Hashable, CustomStringConvertible {
    public var unscaled: Int128
    public var width: UInt8
    public var scale: UInt8

    public init(unscaled: Int128, width: UInt8, scale: UInt8) {
        self.unscaled = unscaled
        self.width = width
        self.scale = scale
    }

    /// Parses a plain decimal literal such as `-123.450` (width = its digit count, at least 1; max 38).
    public init?(_ text: String) {
        var digits = text
        let negative = digits.hasPrefix("-")
        if negative || digits.hasPrefix("+") { digits.removeFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return nil }
        let whole = String(parts[0]), fraction = parts.count == 2 ? String(parts[1]) : ""
        let all = whole + fraction
        guard !all.isEmpty, all.count <= 38, let magnitude = Int128(all) else { return nil }
        self.unscaled = negative ? -magnitude : magnitude
        self.scale = UInt8(fraction.count)
        self.width = UInt8(max(all.count, Int(self.scale) + 1, 1))
    }

    /// The exact decimal text, e.g. `-0.05`.
    public var description: String {
        let negative = unscaled < 0
        var digits = String(negative ? (0 - unscaled).magnitude : unscaled.magnitude)
        let scale = Int(scale)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return (negative ? "-" : "") + digits
    }

    /// The nearest Double (for display and arithmetic that tolerates rounding).
    public var doubleValue: Double { Double(description) ?? .nan }
}

/// A DATE as days since 1970-01-01.
public struct DateValue: Sendable, Hashable, CustomStringConvertible {
    public var days: Int32
    public init(days: Int32) { self.days = days }

    /// Builds a date from a proleptic Gregorian year, month and day.
    public init(year: Int, month: Int, day: Int) {
        self.days = Int32(CivilCalendar.daysFromCivil(year: year, month: month, day: day))
    }

    /// ISO 8601, e.g. `2024-02-29`; DuckDB's infinities as `infinity`/`-infinity`.
    public var description: String {
        if days == Int32.max { return "infinity" }
        if days == -Int32.max { return "-infinity" }
        return CivilCalendar.dateString(days: Int64(days))
    }
}

/// A TIME as microseconds since midnight.
public struct TimeValue: Sendable, Hashable, CustomStringConvertible {
    public var micros: Int64
    public init(micros: Int64) { self.micros = micros }
    public init(hour: Int, minute: Int, second: Int, micros: Int = 0) {
        self.micros = Int64(((hour * 60 + minute) * 60 + second)) * 1_000_000 + Int64(micros)
    }
    /// `HH:MM:SS[.ffffff]`.
    public var description: String { CivilCalendar.timeString(micros: micros) }
}

/// A TIME WITH TIME ZONE: local time plus the zone's offset from UTC in seconds.
public struct TimeTZValue: Sendable, Hashable, CustomStringConvertible {
    public var micros: Int64
    public var offsetSeconds: Int32
    public init(micros: Int64, offsetSeconds: Int32) {
        self.micros = micros
        self.offsetSeconds = offsetSeconds
    }
    /// `HH:MM:SS[.ffffff]+HH[:MM]`.
    public var description: String {
        CivilCalendar.timeString(micros: micros) + CivilCalendar.offsetString(seconds: Int(offsetSeconds))
    }
}

/// A TIMESTAMP in one of DuckDB's precisions; `withTimeZone` values are instants in UTC.
public struct TimestampValue: Sendable, Hashable, CustomStringConvertible {
    public enum Unit: Sendable, Hashable {
        case seconds, milliseconds, microseconds, nanoseconds
        var perSecond: Int64 {
            switch self {
            case .seconds: 1
            case .milliseconds: 1_000
            case .microseconds: 1_000_000
            case .nanoseconds: 1_000_000_000
            }
        }
    }

    /// Units since 1970-01-01 00:00:00 (UTC for `withTimeZone`).
    public var value: Int64
    public var unit: Unit
    public var withTimeZone: Bool

    public init(value: Int64, unit: Unit = .microseconds, withTimeZone: Bool = false) {
        self.value = value
        self.unit = unit
        self.withTimeZone = withTimeZone
    }

    /// A microsecond timestamp from a Foundation `Date`.
    public init(_ date: Date, withTimeZone: Bool = false) {
        self.init(
            value: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()), unit: .microseconds,
            withTimeZone: withTimeZone)
    }

    /// The instant as a Foundation `Date` (sub-microsecond precision is lost).
    public var date: Date {
        Date(timeIntervalSince1970: Double(value) / Double(unit.perSecond))
    }

    /// ISO 8601 with a `T` separator, e.g. `2024-01-02T03:04:05.123456` (`+00:00` appended with time zone).
    public var description: String {
        if value == Int64.max { return "infinity" }
        if value == -Int64.max { return "-infinity" }
        let perSecond = unit.perSecond
        var seconds = value / perSecond
        var fraction = value % perSecond
        if fraction < 0 {
            seconds -= 1
            fraction += perSecond
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += 86_400
        }
        var text = CivilCalendar.dateString(days: days) + "T"
        text += CivilCalendar.timeString(micros: secondOfDay * 1_000_000)
        if fraction != 0 {
            let width = String(perSecond).count - 1
            var digits = String(fraction)
            digits = String(repeating: "0", count: width - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return withTimeZone ? text + "+00:00" : text
    }
}

/// An INTERVAL: months, days and microseconds are kept apart, as DuckDB does.
public struct IntervalValue: Sendable, Hashable, CustomStringConvertible {
    public var months: Int32
    public var days: Int32
    public var micros: Int64
    public init(months: Int32 = 0, days: Int32 = 0, micros: Int64 = 0) {
        self.months = months
        self.days = days
        self.micros = micros
    }
    /// ISO 8601 duration, e.g. `P1Y2M3DT4H5M6.5S`; `PT0S` when empty.
    public var description: String {
        var text = "P"
        let years = months / 12, restMonths = months % 12
        if years != 0 { text += "\(years)Y" }
        if restMonths != 0 { text += "\(restMonths)M" }
        if days != 0 { text += "\(days)D" }
        if micros != 0 {
            text += "T"
            let hours = micros / 3_600_000_000
            let minutes = (micros % 3_600_000_000) / 60_000_000
            let restMicros = micros % 60_000_000
            if hours != 0 { text += "\(hours)H" }
            if minutes != 0 { text += "\(minutes)M" }
            if restMicros != 0 {
                text +=
                    DecimalValue(unscaled: Int128(restMicros), width: 18, scale: 6).description
                    .replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression) + "S"
            }
        }
        return text == "P" ? "PT0S" : text
    }
}

/// Proleptic Gregorian calendar arithmetic (days since the Unix epoch), after Howard Hinnant's algorithms.
enum CivilCalendar {
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func dateString(days: Int64) -> String {
        let (year, month, day) = civilFromDays(days)
        let yearText = year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        return "\(yearText)-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func timeString(micros: Int64) -> String {
        let hours = micros / 3_600_000_000
        let minutes = (micros / 60_000_000) % 60
        let seconds = (micros / 1_000_000) % 60
        let fraction = micros % 1_000_000
        var text = "\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2))"
        if fraction != 0 {
            var digits = pad(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    static func offsetString(seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = abs(seconds)
        let hours = magnitude / 3600, minutes = (magnitude % 3600) / 60
        return sign + pad(Int64(hours), 2) + (minutes != 0 ? ":" + pad(Int64(minutes), 2) : "")
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
