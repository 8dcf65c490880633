import CDuckDB
import Foundation

/// Reads the rows of one DuckDB vector (a column of a data chunk) as `Value`s.
///
/// Built per chunk and column; nested types get child readers over their child vectors. The vector memory
/// belongs to the chunk, so a reader must not outlive its `DataChunk`.
struct VectorReader {
    let type: LogicalType
    let data: UnsafeMutableRawPointer?
    let validity: UnsafeMutablePointer<UInt64>?
    let vector: duckdb_vector
    /// LIST/ARRAY/MAP: one reader (the element); STRUCT/UNION: one per member.
    let children: [VectorReader]

    init(vector: duckdb_vector, type: LogicalType) {
        self.vector = vector
        self.type = type
        self.data = duckdb_vector_get_data(vector)
        self.validity = duckdb_vector_get_validity(vector)
        switch type.id {
        case DUCKDB_TYPE_LIST.rawValue, DUCKDB_TYPE_MAP.rawValue:
            let elementType: LogicalType
            if type.id == DUCKDB_TYPE_MAP.rawValue {
                elementType = LogicalType.mapEntryType(key: type.children[0].type, value: type.children[1].type)
            } else {
                elementType = type.children[0].type
            }
            children = [VectorReader(vector: duckdb_list_vector_get_child(vector), type: elementType)]
        case DUCKDB_TYPE_ARRAY.rawValue:
            children = [VectorReader(vector: duckdb_array_vector_get_child(vector), type: type.children[0].type)]
        case DUCKDB_TYPE_STRUCT.rawValue:
            children = type.children.enumerated().map { index, member in
                VectorReader(vector: duckdb_struct_vector_get_child(vector, UInt64(index)), type: member.type)
            }
        case DUCKDB_TYPE_UNION.rawValue:
            // A UNION is stored as a STRUCT whose first member is the UTINYINT tag.
            let tagType = LogicalType.utinyint
            let tag = VectorReader(vector: duckdb_struct_vector_get_child(vector, 0), type: tagType)
            children =
                [tag]
                + type.children.enumerated().map { index, member in
                    VectorReader(vector: duckdb_struct_vector_get_child(vector, UInt64(index + 1)), type: member.type)
                }
        default:
            children = []
        }
    }

    @inline(__always)
    func isValid(_ row: Int) -> Bool {
        guard let validity else { return true }
        return validity[row >> 6] & (1 << UInt64(row & 63)) != 0
    }

    @inline(__always)
    func load<T>(_ row: Int, as type: T.Type) -> T {
        data.unsafelyUnwrapped.load(fromByteOffset: row * MemoryLayout<T>.stride, as: T.self)
    }

    /// Reads a VARCHAR/BLOB/BIT payload (`duckdb_string_t`: inlined when up to 12 bytes).
    func bytes(_ row: Int) -> UnsafeRawBufferPointer {
        let base = data.unsafelyUnwrapped + row * 16
        let length = Int(base.load(as: UInt32.self))
        if length <= 12 {
            return UnsafeRawBufferPointer(start: base + 4, count: length)
        }
        let pointer = base.load(fromByteOffset: 8, as: UnsafeRawPointer.self)
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }

    func string(_ row: Int) -> String {
        String(decoding: bytes(row), as: UTF8.self)
    }

    func value(_ row: Int) -> Value {
        guard isValid(row) else { return .null }
        switch type.id {
        case DUCKDB_TYPE_BOOLEAN.rawValue: return .boolean(load(row, as: Bool.self))
        case DUCKDB_TYPE_TINYINT.rawValue: return .tinyint(load(row, as: Int8.self))
        case DUCKDB_TYPE_SMALLINT.rawValue: return .smallint(load(row, as: Int16.self))
        case DUCKDB_TYPE_INTEGER.rawValue: return .integer(load(row, as: Int32.self))
        case DUCKDB_TYPE_BIGINT.rawValue: return .bigint(load(row, as: Int64.self))
        case DUCKDB_TYPE_UTINYINT.rawValue: return .utinyint(load(row, as: UInt8.self))
        case DUCKDB_TYPE_USMALLINT.rawValue: return .usmallint(load(row, as: UInt16.self))
        case DUCKDB_TYPE_UINTEGER.rawValue: return .uinteger(load(row, as: UInt32.self))
        case DUCKDB_TYPE_UBIGINT.rawValue: return .ubigint(load(row, as: UInt64.self))
        case DUCKDB_TYPE_HUGEINT.rawValue: return .hugeint(Int128(load(row, as: duckdb_hugeint.self)))
        case DUCKDB_TYPE_UHUGEINT.rawValue: return .uhugeint(UInt128(load(row, as: duckdb_uhugeint.self)))
        case DUCKDB_TYPE_FLOAT.rawValue: return .float(load(row, as: Float.self))
        case DUCKDB_TYPE_DOUBLE.rawValue: return .double(load(row, as: Double.self))
        case DUCKDB_TYPE_DECIMAL.rawValue: return .decimal(decimal(row))
        case DUCKDB_TYPE_VARCHAR.rawValue: return .varchar(string(row))
        case DUCKDB_TYPE_BLOB.rawValue: return .blob(Array(bytes(row)))
        case DUCKDB_TYPE_BIT.rawValue: return .bit(bitString(row))
        case DUCKDB_TYPE_DATE.rawValue: return .date(DateValue(days: load(row, as: Int32.self)))
        case DUCKDB_TYPE_TIME.rawValue: return .time(TimeValue(micros: load(row, as: Int64.self)))
        case DUCKDB_TYPE_TIME_NS.rawValue: return .time(TimeValue(micros: load(row, as: Int64.self) / 1_000))
        case DUCKDB_TYPE_TIME_TZ.rawValue:
            let parts = duckdb_from_time_tz(duckdb_time_tz(bits: load(row, as: UInt64.self)))
            let time = parts.time
            let micros = TimeValue(
                hour: Int(time.hour), minute: Int(time.min), second: Int(time.sec), micros: Int(time.micros)
            ).micros
            return .timeWithTimeZone(TimeTZValue(micros: micros, offsetSeconds: parts.offset))
        case DUCKDB_TYPE_TIMESTAMP.rawValue: return .timestamp(TimestampValue(value: load(row, as: Int64.self)))
        case DUCKDB_TYPE_TIMESTAMP_S.rawValue:
            return .timestamp(TimestampValue(value: load(row, as: Int64.self), unit: .seconds))
        case DUCKDB_TYPE_TIMESTAMP_MS.rawValue:
            return .timestamp(TimestampValue(value: load(row, as: Int64.self), unit: .milliseconds))
        case DUCKDB_TYPE_TIMESTAMP_NS.rawValue:
            return .timestamp(TimestampValue(value: load(row, as: Int64.self), unit: .nanoseconds))
        case DUCKDB_TYPE_TIMESTAMP_TZ.rawValue:
            return .timestamp(TimestampValue(value: load(row, as: Int64.self), withTimeZone: true))
        case DUCKDB_TYPE_INTERVAL.rawValue:
            let interval = load(row, as: duckdb_interval.self)
            return .interval(IntervalValue(months: interval.months, days: interval.days, micros: interval.micros))
        case DUCKDB_TYPE_UUID.rawValue: return .uuid(UUID(duckDBHugeint: load(row, as: duckdb_hugeint.self)))
        case DUCKDB_TYPE_ENUM.rawValue:
            let index: Int
            switch type.internalStorage {
            case DUCKDB_TYPE_UTINYINT.rawValue: index = Int(load(row, as: UInt8.self))
            case DUCKDB_TYPE_USMALLINT.rawValue: index = Int(load(row, as: UInt16.self))
            default: index = Int(load(row, as: UInt32.self))
            }
            return index < type.enumLabels.count ? .enumeration(type.enumLabels[index]) : .null
        case DUCKDB_TYPE_LIST.rawValue:
            let entry = load(row, as: duckdb_list_entry.self)
            let start = Int(entry.offset)
            return .list((start..<start + Int(entry.length)).map { children[0].value($0) })
        case DUCKDB_TYPE_ARRAY.rawValue:
            let start = row * type.arraySize
            return .list((start..<start + type.arraySize).map { children[0].value($0) })
        case DUCKDB_TYPE_MAP.rawValue:
            let entry = load(row, as: duckdb_list_entry.self)
            let start = Int(entry.offset)
            let entries = children[0].children
            return .map(
                (start..<start + Int(entry.length)).map { MapEntry(entries[0].value($0), entries[1].value($0)) })
        case DUCKDB_TYPE_STRUCT.rawValue:
            return .structure(zip(type.children, children).map { StructField($0.name, $1.value(row)) })
        case DUCKDB_TYPE_UNION.rawValue:
            guard case .utinyint(let tag) = children[0].value(row), Int(tag) + 1 < children.count else {
                return .null
            }
            return children[Int(tag) + 1].value(row)
        case DUCKDB_TYPE_SQLNULL.rawValue:
            return .null
        default:
            return .unsupported(typeName: type.name)
        }
    }

    private func decimal(_ row: Int) -> DecimalValue {
        let unscaled: Int128
        switch type.internalStorage {
        case DUCKDB_TYPE_SMALLINT.rawValue: unscaled = Int128(load(row, as: Int16.self))
        case DUCKDB_TYPE_INTEGER.rawValue: unscaled = Int128(load(row, as: Int32.self))
        case DUCKDB_TYPE_BIGINT.rawValue: unscaled = Int128(load(row, as: Int64.self))
        default: unscaled = Int128(load(row, as: duckdb_hugeint.self))
        }
        return DecimalValue(unscaled: unscaled, width: type.decimalWidth, scale: type.decimalScale)
    }

    /// BIT payload: the first byte counts the padding bits at the start of the second byte.
    private func bitString(_ row: Int) -> String {
        let payload = bytes(row)
        guard let padding = payload.first else { return "" }
        var text = ""
        for (offset, byte) in payload.dropFirst().enumerated() {
            for bit in (0..<8).reversed() {
                if offset == 0 && 7 - bit < Int(padding) { continue }
                text.append(byte & (1 << UInt8(bit)) != 0 ? "1" : "0")
            }
        }
        return text
    }
}

extension LogicalType {
    static let utinyint = LogicalType.withOwned(duckdb_create_logical_type(DUCKDB_TYPE_UTINYINT))

    /// MAP entries are read as STRUCT(key, value).
    static func mapEntryType(key: LogicalType, value: LogicalType) -> LogicalType {
        LogicalType(structMembers: [Member(name: "key", type: key), Member(name: "value", type: value)])
    }
}

extension Int128 {
    init(_ value: duckdb_hugeint) {
        self = Int128(value.upper) << 64 | Int128(value.lower)
    }
}

extension UInt128 {
    init(_ value: duckdb_uhugeint) {
        self = UInt128(value.upper) << 64 | UInt128(value.lower)
    }
}

extension duckdb_hugeint {
    init(_ value: Int128) {
        self.init(lower: UInt64(truncatingIfNeeded: value), upper: Int64(truncatingIfNeeded: value >> 64))
    }
}

extension duckdb_uhugeint {
    init(_ value: UInt128) {
        self.init(lower: UInt64(truncatingIfNeeded: value), upper: UInt64(truncatingIfNeeded: value >> 64))
    }
}

extension UUID {
    /// DuckDB stores a UUID as a HUGEINT whose top bit is flipped (so that signed order is byte order).
    init(duckDBHugeint value: duckdb_hugeint) {
        let upper = UInt64(bitPattern: value.upper) ^ (1 << 63)
        let lower = value.lower
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: upper >> UInt64(56 - index * 8))
            bytes[index + 8] = UInt8(truncatingIfNeeded: lower >> UInt64(56 - index * 8))
        }
        self = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// The UUID's 128 bits, most significant first, as an unsigned integer.
    var uint128: UInt128 {
        withUnsafeBytes(of: uuid) { raw in
            raw.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        }
    }
}
