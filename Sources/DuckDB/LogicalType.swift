import CDuckDB

/// A column's type as DuckDB describes it, with what is needed to read its values.
public struct LogicalType: Sendable, Hashable, CustomStringConvertible {
    /// DuckDB's type identifier (`duckdb_type`).
    public let id: UInt32
    /// The SQL spelling, e.g. `DECIMAL(18,3)`, `VARCHAR[]`, `STRUCT(a INTEGER, b VARCHAR)`.
    public let name: String
    /// DECIMAL only: total digits and digits after the point.
    public let decimalWidth: UInt8
    public let decimalScale: UInt8
    /// DECIMAL: the physical integer type; ENUM: the index width (`duckdb_type` of it).
    let internalStorage: UInt32
    /// ENUM only: the labels, by index.
    public let enumLabels: [String]
    /// LIST/ARRAY/MAP: element type (MAP: a STRUCT(key, value)); STRUCT/UNION: the members.
    public let children: [Member]
    /// ARRAY only: the fixed length.
    public let arraySize: Int

    /// A named member of a STRUCT or UNION type (or the unnamed element of a LIST/ARRAY).
    public struct Member: Sendable, Hashable {
        public let name: String
        public let type: LogicalType
    }

    public var description: String { name }

    /// Reads a C logical type (does not take ownership).
    init(_ type: duckdb_logical_type) {
        let id = duckdb_get_type_id(type)
        self.id = id.rawValue
        var width: UInt8 = 0, scale: UInt8 = 0, storage: UInt32 = 0
        var labels: [String] = []
        var children: [Member] = []
        var arraySize = 0
        var name: String

        switch id {
        case DUCKDB_TYPE_DECIMAL:
            width = duckdb_decimal_width(type)
            scale = duckdb_decimal_scale(type)
            storage = duckdb_decimal_internal_type(type).rawValue
            name = "DECIMAL(\(width),\(scale))"
        case DUCKDB_TYPE_ENUM:
            storage = duckdb_enum_internal_type(type).rawValue
            let size = duckdb_enum_dictionary_size(type)
            labels.reserveCapacity(Int(size))
            for index in 0..<UInt64(size) {
                labels.append(LogicalType.takeString(duckdb_enum_dictionary_value(type, index)))
            }
            name =
                "ENUM("
                + labels.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }
                .joined(separator: ", ") + ")"
        case DUCKDB_TYPE_LIST:
            let child = LogicalType.withOwned(duckdb_list_type_child_type(type))
            children = [Member(name: "", type: child)]
            name = child.name + "[]"
        case DUCKDB_TYPE_ARRAY:
            let child = LogicalType.withOwned(duckdb_array_type_child_type(type))
            arraySize = Int(duckdb_array_type_array_size(type))
            children = [Member(name: "", type: child)]
            name = child.name + "[\(arraySize)]"
        case DUCKDB_TYPE_MAP:
            let key = LogicalType.withOwned(duckdb_map_type_key_type(type))
            let value = LogicalType.withOwned(duckdb_map_type_value_type(type))
            children = [Member(name: "key", type: key), Member(name: "value", type: value)]
            name = "MAP(\(key.name), \(value.name))"
        case DUCKDB_TYPE_STRUCT:
            for index in 0..<duckdb_struct_type_child_count(type) {
                let memberName = LogicalType.takeString(duckdb_struct_type_child_name(type, index))
                children.append(
                    Member(name: memberName, type: LogicalType.withOwned(duckdb_struct_type_child_type(type, index))))
            }
            name =
                "STRUCT("
                + children.map { "\(LogicalType.quoteIdentifier($0.name)) \($0.type.name)" }
                .joined(separator: ", ") + ")"
        case DUCKDB_TYPE_UNION:
            for index in 0..<duckdb_union_type_member_count(type) {
                let memberName = LogicalType.takeString(duckdb_union_type_member_name(type, index))
                children.append(
                    Member(name: memberName, type: LogicalType.withOwned(duckdb_union_type_member_type(type, index))))
            }
            name =
                "UNION("
                + children.map { "\(LogicalType.quoteIdentifier($0.name)) \($0.type.name)" }
                .joined(separator: ", ") + ")"
        default:
            name = LogicalType.simpleNames[id.rawValue] ?? "UNKNOWN(\(id.rawValue))"
        }
        self.name = name
        self.decimalWidth = width
        self.decimalScale = scale
        self.internalStorage = storage
        self.enumLabels = labels
        self.children = children
        self.arraySize = arraySize
    }

    /// Reads and destroys an owned C logical type.
    static func withOwned(_ type: duckdb_logical_type?) -> LogicalType {
        var owned = type
        defer { duckdb_destroy_logical_type(&owned) }
        guard let type else { return LogicalType(invalidNamed: "INVALID") }
        return LogicalType(type)
    }

    /// A STRUCT type assembled from known members (used to read MAP entries).
    init(structMembers: [Member]) {
        self.id = DUCKDB_TYPE_STRUCT.rawValue
        self.name =
            "STRUCT("
            + structMembers.map { "\(LogicalType.quoteIdentifier($0.name)) \($0.type.name)" }
            .joined(separator: ", ") + ")"
        self.decimalWidth = 0
        self.decimalScale = 0
        self.internalStorage = 0
        self.enumLabels = []
        self.children = structMembers
        self.arraySize = 0
    }

    private init(invalidNamed name: String) {
        self.id = DUCKDB_TYPE_INVALID.rawValue
        self.name = name
        self.decimalWidth = 0
        self.decimalScale = 0
        self.internalStorage = 0
        self.enumLabels = []
        self.children = []
        self.arraySize = 0
    }

    /// Takes a string DuckDB allocated (and frees it).
    static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        defer { duckdb_free(pointer) }
        return String(cString: pointer)
    }

    static func quoteIdentifier(_ name: String) -> String {
        let plain =
            !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            && !(name.first?.isNumber ?? true)
        return plain ? name : "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static let simpleNames: [UInt32: String] = [
        DUCKDB_TYPE_BOOLEAN.rawValue: "BOOLEAN", DUCKDB_TYPE_TINYINT.rawValue: "TINYINT",
        DUCKDB_TYPE_SMALLINT.rawValue: "SMALLINT", DUCKDB_TYPE_INTEGER.rawValue: "INTEGER",
        DUCKDB_TYPE_BIGINT.rawValue: "BIGINT", DUCKDB_TYPE_UTINYINT.rawValue: "UTINYINT",
        DUCKDB_TYPE_USMALLINT.rawValue: "USMALLINT", DUCKDB_TYPE_UINTEGER.rawValue: "UINTEGER",
        DUCKDB_TYPE_UBIGINT.rawValue: "UBIGINT", DUCKDB_TYPE_FLOAT.rawValue: "FLOAT",
        DUCKDB_TYPE_DOUBLE.rawValue: "DOUBLE", DUCKDB_TYPE_TIMESTAMP.rawValue: "TIMESTAMP",
        DUCKDB_TYPE_DATE.rawValue: "DATE", DUCKDB_TYPE_TIME.rawValue: "TIME",
        DUCKDB_TYPE_INTERVAL.rawValue: "INTERVAL", DUCKDB_TYPE_HUGEINT.rawValue: "HUGEINT",
        DUCKDB_TYPE_UHUGEINT.rawValue: "UHUGEINT", DUCKDB_TYPE_VARCHAR.rawValue: "VARCHAR",
        DUCKDB_TYPE_BLOB.rawValue: "BLOB", DUCKDB_TYPE_TIMESTAMP_S.rawValue: "TIMESTAMP_S",
        DUCKDB_TYPE_TIMESTAMP_MS.rawValue: "TIMESTAMP_MS", DUCKDB_TYPE_TIMESTAMP_NS.rawValue: "TIMESTAMP_NS",
        DUCKDB_TYPE_UUID.rawValue: "UUID", DUCKDB_TYPE_BIT.rawValue: "BIT",
        DUCKDB_TYPE_TIME_TZ.rawValue: "TIME WITH TIME ZONE",
        DUCKDB_TYPE_TIMESTAMP_TZ.rawValue: "TIMESTAMP WITH TIME ZONE", DUCKDB_TYPE_ANY.rawValue: "ANY",
        DUCKDB_TYPE_BIGNUM.rawValue: "BIGNUM", DUCKDB_TYPE_SQLNULL.rawValue: "NULL",
        DUCKDB_TYPE_TIME_NS.rawValue: "TIME_NS", DUCKDB_TYPE_GEOMETRY.rawValue: "GEOMETRY",
        DUCKDB_TYPE_VARIANT.rawValue: "VARIANT",
    ]
}
