import AnalystCore
import Crypto
import Foundation

/// A registered table of a database source, checked: where its rows are at the source (a schema's table, or a SQL
/// text run there), which environment variable holds the connection string, and the alias it is attached as.
struct DatabaseTable: Sendable {
    /// What is read at the source.
    enum Origin: Sendable, Equatable {
        /// `bucket.source_table` (for MySQL, `database.table`).
        case table(schema: String, name: String)
        /// A registered SQL text, run by the source itself (`materialized`).
        case query(String)
    }

    let registered: RegisteredTable
    let kind: DatabaseKind
    let origin: Origin
    let environmentVariable: String
    let alias: String

    var id: String { registered.id }

    /// Checks `table`'s registry fields; the error says which field is wrong and what is accepted.
    init(_ table: RegisteredTable, kind: DatabaseKind) throws(ExtractError) {
        guard Identifier.isValid(table.id) else {
            throw ExtractError("table id \"\(table.id)\" is not an identifier (\(Identifier.rule))")
        }
        guard let variable = table.connectionEnvironmentVariable, !variable.isEmpty else {
            throw ExtractError(
                "connection_env is not set: name the environment variable that holds the \(kind.displayName) connection string")
        }
        guard EnvironmentName.isValid(variable) else {
            throw ExtractError("connection_env \"\(variable)\" is not \(EnvironmentName.rule)")
        }
        let alias = kind.alias(for: variable)
        guard Identifier.isValid(alias) else {
            throw ExtractError("connection_env \"\(variable)\" is too long; use at most \(64 - alias.count + variable.count) characters")
        }
        if let query = table.sourceQuery?.trimmingCharacters(in: .whitespacesAndNewlines), !query.isEmpty {
            guard !query.contains("\u{0}") else { throw ExtractError("the source query of \(table.id) contains a NUL character") }
            origin = .query(query)
        } else {
            guard let schema = table.bucket.flatMap({ $0.isEmpty ? nil : $0 }) ?? kind.defaultSchema else {
                throw ExtractError("bucket is not set: give \(kind.bucketMeaning) that holds \(table.sourceTableName)")
            }
            try DatabaseTable.checkName(schema, field: "bucket")
            try DatabaseTable.checkName(table.sourceTableName, field: "source_table")
            origin = .table(schema: schema, name: table.sourceTableName)
        }
        registered = table
        self.kind = kind
        environmentVariable = variable
        self.alias = alias
    }

    /// A schema or table name at the source: quoted when used, so any spelling is safe in SQL, but not empty, not
    /// longer than the engines allow (63 and 64 bytes) and without control characters.
    static func checkName(_ name: String, field: String) throws(ExtractError) {
        guard !name.isEmpty, name.utf8.count <= 64,
            !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) })
        else {
            throw ExtractError("\(field) \"\(name)\" is not a table or schema name (1–64 bytes, no control characters)")
        }
    }

    /// The rows in DuckDB's SQL, over the database attached as `alias`: `alias.schema.table` or
    /// `postgres_query('alias', '<sql>')`.
    var relation: String {
        switch origin {
        case .table(let schema, let name):
            "\(Identifier.quoted(alias)).\(Identifier.quoted(schema)).\(Identifier.quoted(name))"
        case .query(let sql):
            "\(kind.queryFunction)(\(Identifier.literal(alias)), \(Identifier.literal(sql)))"
        }
    }

    /// The body of the table's remote view.
    var remoteSelect: String { "SELECT * FROM \(relation)" }

    /// What is read, as a short fingerprint: a stored cursor applies only to rows of the same origin.
    var fingerprint: String {
        let text: String
        switch origin {
        case .table(let schema, let name): text = "table\u{0}\(schema)\u{0}\(name)"
        case .query(let sql): text = "query\u{0}\(sql)"
        }
        return SHA256.hash(data: Data((environmentVariable + "\u{0}" + text).utf8)).prefix(12)
            .map { String(format: "%02x", $0) }.joined()
    }

    /// The source in messages: `sales.orders`, or "the source query".
    var displayOrigin: String {
        switch origin {
        case .table(let schema, let name): "\(schema).\(name)"
        case .query: "the source query of \(registered.id)"
        }
    }
}
