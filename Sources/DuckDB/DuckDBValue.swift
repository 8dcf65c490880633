import CDuckDB
import Foundation

/// An owned C `duckdb_value` made from a `Value`, for binding parameters and appending rows.
///
/// Use the C handle only inside `withRaw` (or while the object is otherwise kept alive): Swift may release an
/// object right after its last use, and the handle dies with it.
final class DuckDBValue {
    private var raw: duckdb_value?

    init(_ value: Value) throws {
        raw = try DuckDBValue.make(value)
    }

    /// Calls `body` with the C value, keeping this object (and so the value) alive for the call.
    func withRaw<T>(_ body: (duckdb_value?) throws -> T) rethrows -> T {
        try withExtendedLifetime(self) { try body(raw) }
    }

    deinit {
        duckdb_destroy_value(&raw)
    }

    private static func make(_ value: Value) throws -> duckdb_value? {
        let made: duckdb_value?
        switch value {
        case .null: made = duckdb_create_null_value()
        case .boolean(let v): made = duckdb_create_bool(v)
        case .tinyint(let v): made = duckdb_create_int8(v)
        case .smallint(let v): made = duckdb_create_int16(v)
        case .integer(let v): made = duckdb_create_int32(v)
        case .bigint(let v): made = duckdb_create_int64(v)
        case .hugeint(let v): made = duckdb_create_hugeint(duckdb_hugeint(v))
        case .utinyint(let v): made = duckdb_create_uint8(v)
        case .usmallint(let v): made = duckdb_create_uint16(v)
        case .uinteger(let v): made = duckdb_create_uint32(v)
        case .ubigint(let v): made = duckdb_create_uint64(v)
        case .uhugeint(let v): made = duckdb_create_uhugeint(duckdb_uhugeint(v))
        case .float(let v): made = duckdb_create_float(v)
        case .double(let v): made = duckdb_create_double(v)
        case .decimal(let v):
            guard (1...38).contains(v.width), v.scale <= v.width else {
                throw DuckDBError.unsupportedValue("DECIMAL(\(v.width),\(v.scale)) is not a valid decimal type")
            }
            made = duckdb_create_decimal(duckdb_decimal(width: v.width, scale: v.scale, value: duckdb_hugeint(v.unscaled)))
        case .varchar(let v), .enumeration(let v), .bit(let v):
            made = duckdb_create_varchar_length(v, UInt64(v.utf8.count))
        case .blob(let bytes):
            made = bytes.withUnsafeBufferPointer { duckdb_create_blob($0.baseAddress, UInt64($0.count)) }
        case .date(let v): made = duckdb_create_date(duckdb_date(days: v.days))
        case .time(let v): made = duckdb_create_time(duckdb_time(micros: v.micros))
        case .timeWithTimeZone(let v):
            made = duckdb_create_time_tz_value(duckdb_create_time_tz(v.micros, v.offsetSeconds))
        case .timestamp(let v):
            switch (v.unit, v.withTimeZone) {
            case (.microseconds, true): made = duckdb_create_timestamp_tz(duckdb_timestamp(micros: v.value))
            case (.microseconds, false): made = duckdb_create_timestamp(duckdb_timestamp(micros: v.value))
            case (.seconds, false): made = duckdb_create_timestamp_s(duckdb_timestamp_s(seconds: v.value))
            case (.milliseconds, false): made = duckdb_create_timestamp_ms(duckdb_timestamp_ms(millis: v.value))
            case (.nanoseconds, false): made = duckdb_create_timestamp_ns(duckdb_timestamp_ns(nanos: v.value))
            case (let unit, true):
                let micros = v.value.multipliedReportingOverflow(by: 1_000_000).partialValue / unit.perSecond
                made = duckdb_create_timestamp_tz(duckdb_timestamp(micros: micros))
            }
        case .interval(let v):
            made = duckdb_create_interval(duckdb_interval(months: v.months, days: v.days, micros: v.micros))
        case .uuid(let v): made = duckdb_create_uuid(duckdb_uhugeint(v.uint128))
        case .list(let elements):
            let children = try elements.map(DuckDBValue.init)
            var childType = try DuckDBValue.commonType(of: children, describing: "list elements")
            defer { duckdb_destroy_logical_type(&childType) }
            made = withExtendedLifetime(children) {
                var raws = children.map(\.raw)
                return raws.withUnsafeMutableBufferPointer {
                    duckdb_create_list_value(childType, $0.baseAddress, UInt64($0.count))
                }
            }
        case .structure(let fields):
            let children = try fields.map { try DuckDBValue($0.value) }
            var memberTypes = children.map { duckdb_get_value_type($0.raw) }
            var structType: duckdb_logical_type? = DuckDBValue.withCStrings(fields.map(\.name)) { names in
                memberTypes.withUnsafeMutableBufferPointer { types in
                    duckdb_create_struct_type(types.baseAddress, names, UInt64(fields.count))
                }
            }
            defer { duckdb_destroy_logical_type(&structType) }
            made = withExtendedLifetime(children) {
                var raws = children.map(\.raw)
                return raws.withUnsafeMutableBufferPointer { duckdb_create_struct_value(structType, $0.baseAddress) }
            }
        case .map(let entries):
            let keys = try entries.map { try DuckDBValue($0.key) }
            let values = try entries.map { try DuckDBValue($0.value) }
            var keyType = try DuckDBValue.commonType(of: keys, describing: "map keys")
            var valueType = try DuckDBValue.commonType(of: values, describing: "map values")
            var mapType: duckdb_logical_type? = duckdb_create_map_type(keyType, valueType)
            defer {
                duckdb_destroy_logical_type(&keyType)
                duckdb_destroy_logical_type(&valueType)
                duckdb_destroy_logical_type(&mapType)
            }
            made = withExtendedLifetime((keys, values)) {
                var keyRaws = keys.map(\.raw), valueRaws = values.map(\.raw)
                return keyRaws.withUnsafeMutableBufferPointer { k in
                    valueRaws.withUnsafeMutableBufferPointer { v in
                        duckdb_create_map_value(mapType, k.baseAddress, v.baseAddress, UInt64(entries.count))
                    }
                }
            }
        case .unsupported(let typeName):
            throw DuckDBError.unsupportedValue("values of type \(typeName) cannot be sent to DuckDB")
        }
        guard let made else {
            throw DuckDBError.unsupportedValue("DuckDB could not build a value from \(value)")
        }
        return made
    }

    /// The type shared by every non-NULL child (an owned copy); VARCHAR when all are NULL.
    private static func commonType(of children: [DuckDBValue], describing what: String) throws -> duckdb_logical_type? {
        var found: duckdb_logical_type?
        var foundName = ""
        for child in children where !duckdb_is_null_value(child.raw) {
            let type = duckdb_get_value_type(child.raw)
            let name = type.map { LogicalType($0).name } ?? ""
            if found == nil {
                found = type
                foundName = name
            } else if name != foundName {
                throw DuckDBError.unsupportedValue("\(what) must share one type, found \(foundName) and \(name)")
            }
        }
        guard let found else { return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR) }
        // `duckdb_get_value_type` returns a borrowed type; rebuild an owned one the caller may destroy.
        return LogicalType(found).makeOwnedCType()
    }

    /// Calls `body` with a C array of C strings that lives for the call.
    static func withCStrings<T>(
        _ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> T
    ) -> T {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress) }
    }
}

extension LogicalType {
    /// A new C logical type equal to this one; the caller destroys it.
    func makeOwnedCType() -> duckdb_logical_type? {
        switch id {
        case DUCKDB_TYPE_DECIMAL.rawValue:
            return duckdb_create_decimal_type(decimalWidth, decimalScale)
        case DUCKDB_TYPE_ENUM.rawValue:
            return DuckDBValue.withCStrings(enumLabels) { duckdb_create_enum_type($0, UInt64(enumLabels.count)) }
        case DUCKDB_TYPE_LIST.rawValue:
            var child = children[0].type.makeOwnedCType()
            defer { duckdb_destroy_logical_type(&child) }
            return duckdb_create_list_type(child)
        case DUCKDB_TYPE_ARRAY.rawValue:
            var child = children[0].type.makeOwnedCType()
            defer { duckdb_destroy_logical_type(&child) }
            return duckdb_create_array_type(child, UInt64(arraySize))
        case DUCKDB_TYPE_MAP.rawValue:
            var key = children[0].type.makeOwnedCType(), value = children[1].type.makeOwnedCType()
            defer {
                duckdb_destroy_logical_type(&key)
                duckdb_destroy_logical_type(&value)
            }
            return duckdb_create_map_type(key, value)
        case DUCKDB_TYPE_STRUCT.rawValue:
            var members = children.map { $0.type.makeOwnedCType() }
            defer { for index in members.indices { duckdb_destroy_logical_type(&members[index]) } }
            return DuckDBValue.withCStrings(children.map(\.name)) { names in
                members.withUnsafeMutableBufferPointer {
                    duckdb_create_struct_type($0.baseAddress, names, UInt64(children.count))
                }
            }
        default:
            return duckdb_create_logical_type(duckdb_type(rawValue: id))
        }
    }
}
