import AnalystCore

/// A database engine the database connector reads through one of DuckDB's extensions; its raw value is the
/// registry's `source_type` and the connector's folder under `extracts/`.
public enum DatabaseKind: String, Sendable, CaseIterable {
    case postgres
    case mysql

    /// The name DuckDB loads the extension by (`postgres` finds `postgres_scanner.duckdb_extension`).
    var extensionName: String { rawValue }

    /// The engine's name in messages.
    var displayName: String {
        switch self {
        case .postgres: "PostgreSQL"
        case .mysql: "MySQL"
        }
    }

    /// The extension's table function that runs a SQL text at the source: `(<alias>, <sql>)`.
    var queryFunction: String {
        switch self {
        case .postgres: "postgres_query"
        case .mysql: "mysql_query"
        }
    }

    /// The schema a table is read from when `bucket` is empty; MySQL has none (its "schema" is the database,
    /// which the registry must name).
    var defaultSchema: String? {
        switch self {
        case .postgres: "public"
        case .mysql: nil
        }
    }

    /// What `bucket` means at this source, for messages.
    var bucketMeaning: String {
        switch self {
        case .postgres: "the schema"
        case .mysql: "the database"
        }
    }

    /// The attach alias for the database named by `variable`: one per connection variable and engine, so two
    /// variables (or two engines) never share an alias.
    func alias(for variable: String) -> String {
        let prefix =
            switch self {
            case .postgres: "db_pg_"
            case .mysql: "db_mysql_"
            }
        return prefix + variable.lowercased()
    }

    /// A connection string of this engine's form, for messages.
    var connectionStringExample: String {
        switch self {
        case .postgres: "host=db.example.com port=5432 user=reader password=… dbname=sales, or postgresql://reader:…@db.example.com/sales"
        case .mysql: "host=db.example.com port=3306 user=reader password=… database=sales"
        }
    }

    /// The outcome of a table whose connection variable is not set: names the variable, never a value.
    func missingVariable(_ variable: String) -> String {
        "environment variable \(variable) is not set; it must hold the \(displayName) connection string "
            + "(\(connectionStringExample))"
    }
}
