import Foundation

extension Value {
    /// The text of a VARCHAR (or ENUM) value; `nil` for NULL and other types.
    public var stringValue: String? {
        switch self {
        case .varchar(let text), .enumeration(let text): text
        default: nil
        }
    }

    /// Any integer type that fits in 64 bits; `nil` for NULL, other types and values out of range.
    public var int64Value: Int64? {
        switch self {
        case .tinyint(let value): Int64(value)
        case .smallint(let value): Int64(value)
        case .integer(let value): Int64(value)
        case .bigint(let value): value
        case .hugeint(let value): Int64(exactly: value)
        case .utinyint(let value): Int64(value)
        case .usmallint(let value): Int64(value)
        case .uinteger(let value): Int64(value)
        case .ubigint(let value): Int64(exactly: value)
        case .uhugeint(let value): Int64(exactly: value)
        default: nil
        }
    }

    /// Any numeric value as a Double (DECIMAL and 128-bit integers may lose precision); `nil` otherwise.
    public var doubleValue: Double? {
        switch self {
        case .float(let value): Double(value)
        case .double(let value): value
        case .decimal(let value): value.doubleValue
        case .hugeint(let value): Double(value)
        case .uhugeint(let value): Double(value)
        default: int64Value.map(Double.init)
        }
    }

    /// A BOOLEAN's value; `nil` otherwise.
    public var boolValue: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    /// A TIMESTAMP's (or DATE's, at midnight UTC) instant; `nil` otherwise.
    public var dateValue: Date? {
        switch self {
        case .timestamp(let value): value.date
        case .date(let value): Date(timeIntervalSince1970: Double(value.days) * 86_400)
        default: nil
        }
    }
}
