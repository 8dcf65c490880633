import AnalystCore
import Crypto
import Foundation

/// A registered BigQuery table, checked: the dataset's table (`bucket` = dataset, `source_table`) or a SQL text run
/// by BigQuery (`source_query`, materialised), in the configured project.
struct BigQueryTable: Sendable {
    /// What is read.
    enum Origin: Sendable, Equatable {
        case table(dataset: String, name: String)
        case query(String)
    }

    let registered: RegisteredTable
    let project: String
    let origin: Origin

    var id: String { registered.id }

    /// Checks `table`'s registry fields; the error says which field is wrong and what is accepted.
    init(_ table: RegisteredTable, project: String) throws(ExtractError) {
        guard Identifier.isValid(table.id) else {
            throw ExtractError("table id \"\(table.id)\" is not an identifier (\(Identifier.rule))")
        }
        if let query = table.sourceQuery?.trimmingCharacters(in: .whitespacesAndNewlines), !query.isEmpty {
            guard !query.contains("\u{0}") else { throw ExtractError("the source query of \(table.id) contains a NUL character") }
            origin = .query(query)
        } else {
            guard let dataset = table.bucket, !dataset.isEmpty else {
                throw ExtractError("bucket is not set: give the BigQuery dataset that holds \(table.sourceTableName)")
            }
            try BigQueryTable.checkName(dataset, field: "bucket")
            try BigQueryTable.checkName(table.sourceTableName, field: "source_table")
            origin = .table(dataset: dataset, name: table.sourceTableName)
        }
        if let cursor = table.cursorColumn { try BigQueryTable.checkName(cursor, field: "cursor_column") }
        registered = table
        self.project = project
    }

    /// A dataset, table or column name: it is quoted with backticks in BigQuery SQL, so it may not contain a
    /// backtick, a backslash, a dot (a path separator there) or control characters.
    static func checkName(_ name: String, field: String) throws(ExtractError) {
        guard !name.isEmpty, name.utf8.count <= 1024,
            !name.unicodeScalars.contains(where: { "`\\.".unicodeScalars.contains($0) || CharacterSet.controlCharacters.contains($0) })
        else {
            throw ExtractError("\(field) \"\(name)\" is not a BigQuery name (no backticks, backslashes, dots or control characters)")
        }
    }

    /// `name` backtick-quoted for BigQuery (checked by `checkName`, or the project id).
    static func quoted(_ name: String) -> String { "`" + name + "`" }

    /// The rows in BigQuery SQL: the table, or the registered query as a subquery.
    var relation: String {
        switch origin {
        case .table(let dataset, let name): BigQueryTable.quoted("\(project).\(dataset).\(name)")
        case .query(let sql): "(\n\(sql)\n)"
        }
    }

    /// The query a run sends: every row, or those past `cursor` (same column and origin).
    func select(after cursor: BigQueryCursor?) throws(ExtractError) -> String {
        guard let cursor else {
            if case .query(let sql) = origin { return sql }
            return "SELECT * FROM \(relation)"
        }
        return "SELECT * FROM \(relation) WHERE \(BigQueryTable.quoted(cursor.column)) > \(try cursor.literal())"
    }

    /// What is read, as a short fingerprint: a stored cursor applies only to rows of the same origin.
    var fingerprint: String {
        let text: String
        switch origin {
        case .table(let dataset, let name): text = "table\u{0}\(dataset)\u{0}\(name)"
        case .query(let sql): text = "query\u{0}\(sql)"
        }
        return SHA256.hash(data: Data((project + "\u{0}" + text).utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// The source in messages: `sales.orders`, or "the source query of <id>".
    var displayOrigin: String {
        switch origin {
        case .table(let dataset, let name): "\(dataset).\(name)"
        case .query: "the source query of \(registered.id)"
        }
    }
}

/// Where a BigQuery table's incremental run stopped: the largest `cursor_column` value published, with its BigQuery
/// type (to spell the literal) and the origin it belongs to. Stored as JSON in the extract's `_cursors`.
struct BigQueryCursor: Codable, Sendable, Equatable {
    var column: String
    var origin: String
    /// The column's BigQuery type, e.g. `INT64`, `TIMESTAMP`.
    var type: String
    /// The value: microseconds since the epoch for `TIMESTAMP`, else DuckDB's text of the value.
    var value: String

    /// Types a cursor can be compared in: ordered, and read back exactly.
    static let orderedTypes: Set<String> = [
        "INT64", "INTEGER", "NUMERIC", "FLOAT64", "FLOAT", "STRING", "DATE", "DATETIME", "TIME", "TIMESTAMP",
    ]

    var encoded: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? ""
    }

    init?(stored: String?) {
        guard let stored, let decoded = try? JSONDecoder().decode(BigQueryCursor.self, from: Data(stored.utf8)) else { return nil }
        self = decoded
    }

    init(column: String, origin: String, type: String, value: String) {
        self.column = column
        self.origin = origin
        self.type = type
        self.value = value
    }

    /// The value as a BigQuery SQL literal of the column's type.
    func literal() throws(ExtractError) -> String {
        let type = self.type.uppercased()
        switch type {
        case "INT64", "INTEGER", "TIMESTAMP":
            let digits = value.hasPrefix("-") ? value.dropFirst() : Substring(value)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ExtractError("the stored cursor of \(column) (\(value)) is not an integer")
            }
            return type == "TIMESTAMP" ? "TIMESTAMP_MICROS(\(value))" : value
        case "FLOAT", "FLOAT64":
            return "CAST(\(BigQueryCursor.stringLiteral(value)) AS FLOAT64)"
        case _ where BigQueryCursor.orderedTypes.contains(type):
            return "CAST(\(BigQueryCursor.stringLiteral(value)) AS \(type))"
        default:
            throw ExtractError("cursor_column \(column) is of type \(type), which cannot be an incremental cursor")
        }
    }

    /// `text` as a BigQuery string literal (backslash escapes).
    static func stringLiteral(_ text: String) -> String {
        var out = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\x%02x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
