import AnalystCore

/// How BigQuery's column types become DuckDB's. Rows arrive as text (every scalar is a JSON string); they are
/// written as newline-delimited JSON with every scalar kept as text (`readType`) and converted by DuckDB in SQL
/// (`conversion`), so nothing passes through a floating-point number on the way:
///
/// INT64 → BIGINT, NUMERIC → DECIMAL(38,9) (BigQuery's own precision and scale: exact), BIGNUMERIC → VARCHAR holding
/// the exact decimal text (up to 76 digits with 38 decimals, which no DuckDB DECIMAL holds), FLOAT64 → DOUBLE,
/// BOOL → BOOLEAN, STRING → VARCHAR, BYTES (base64) → BLOB, DATE → DATE, DATETIME → TIMESTAMP, TIME → TIME,
/// TIMESTAMP (microseconds since the epoch) → TIMESTAMPTZ, JSON → JSON, REPEATED → LIST, RECORD/STRUCT → STRUCT;
/// GEOGRAPHY, INTERVAL, RANGE and anything newer stay VARCHAR in BigQuery's text form.
enum BigQueryColumnTypes {
    /// The DuckDB type `field` becomes.
    static func duckDBType(_ field: BigQueryField) -> String {
        var type: String
        if field.isRecord, let fields = field.fields, !fields.isEmpty {
            type = "STRUCT(" + fields.map { Identifier.quoted($0.name) + " " + duckDBType($0) }.joined(separator: ", ") + ")"
        } else {
            switch field.type.uppercased() {
            case "INT64", "INTEGER": type = "BIGINT"
            case "NUMERIC", "DECIMAL": type = "DECIMAL(38,9)"
            case "FLOAT64", "FLOAT": type = "DOUBLE"
            case "BOOL", "BOOLEAN": type = "BOOLEAN"
            case "BYTES": type = "BLOB"
            case "DATE": type = "DATE"
            case "DATETIME": type = "TIMESTAMP"
            case "TIME": type = "TIME"
            case "TIMESTAMP": type = "TIMESTAMPTZ"
            case "JSON": type = "JSON"
            default: type = "VARCHAR"
            }
        }
        return field.isRepeated ? type + "[]" : type
    }

    /// The type `read_json` reads `field` as: text leaves inside the field's lists and structs.
    static func readType(_ field: BigQueryField) -> String {
        var type = "VARCHAR"
        if field.isRecord, let fields = field.fields, !fields.isEmpty {
            type = "STRUCT(" + fields.map { Identifier.quoted($0.name) + " " + readType($0) }.joined(separator: ", ") + ")"
        }
        return field.isRepeated ? type + "[]" : type
    }

    /// DuckDB SQL turning `expression` (of `readType(field)`) into `duckDBType(field)`; `depth` keeps lambda names
    /// of nested lists apart.
    static func conversion(_ expression: String, _ field: BigQueryField, depth: Int = 0) -> String {
        if field.isRepeated {
            var element = field
            element.mode = "NULLABLE"
            let variable = "e\(depth)"
            return "list_transform(\(expression), lambda \(variable): \(conversion(variable, element, depth: depth + 1)))"
        }
        if field.isRecord, let fields = field.fields, !fields.isEmpty {
            let members = fields.map { member in
                Identifier.quoted(member.name) + " := "
                    + conversion("struct_extract(\(expression), \(Identifier.literal(member.name)))", member, depth: depth + 1)
            }
            return "CASE WHEN \(expression) IS NULL THEN NULL ELSE struct_pack(\(members.joined(separator: ", "))) END"
        }
        let x = expression
        switch field.type.uppercased() {
        case "INT64", "INTEGER": return "CAST(\(x) AS BIGINT)"
        case "NUMERIC", "DECIMAL": return "CAST(\(x) AS DECIMAL(38,9))"
        case "FLOAT64", "FLOAT": return "CAST(\(x) AS DOUBLE)"
        case "BOOL", "BOOLEAN": return "CAST(\(x) AS BOOLEAN)"
        case "BYTES": return "from_base64(\(x))"
        case "DATE": return "CAST(\(x) AS DATE)"
        case "DATETIME": return "CAST(\(x) AS TIMESTAMP)"
        case "TIME": return "CAST(\(x) AS TIME)"
        case "JSON": return "CAST(\(x) AS JSON)"
        case "TIMESTAMP":
            // Microseconds since the epoch (useInt64Timestamp); older answers give seconds with a fraction.
            return """
                CAST(CASE WHEN regexp_full_match(\(x), '-?[0-9]+') THEN make_timestamp(CAST(\(x) AS BIGINT)) \
                ELSE make_timestamp(CAST(round(CAST(\(x) AS DOUBLE) * 1000000) AS BIGINT)) END AS TIMESTAMPTZ)
                """
        default: return x
        }
    }
}
