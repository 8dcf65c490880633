/// What the SQL sandbox knows about DuckDB 1.5's parse trees, and the functions it refuses.
///
/// Everything here is an allow-list except the function deny-list: a node type, expression type or member that
/// is not listed is refused. After a DuckDB upgrade, a refused legitimate query points at the entry to add here
/// (once it is clear that the new node cannot read data by itself).
enum SandboxRules {
    /// Expression classes and, for each, the expression types the sandbox accepts. `PARAMETER` is known but
    /// refused with its own message.
    static let expressionTypes: [String: Set<String>] = [
        "BETWEEN": ["COMPARE_BETWEEN", "COMPARE_NOT_BETWEEN"],
        "CASE": ["CASE_EXPR"],
        "CAST": ["OPERATOR_CAST"],
        "COLLATE": ["COLLATE"],
        "COLUMN_REF": ["COLUMN_REF"],
        "COMPARISON": [
            "COMPARE_EQUAL", "COMPARE_NOTEQUAL", "COMPARE_LESSTHAN", "COMPARE_GREATERTHAN", "COMPARE_LESSTHANOREQUALTO",
            "COMPARE_GREATERTHANOREQUALTO", "COMPARE_DISTINCT_FROM", "COMPARE_NOT_DISTINCT_FROM",
        ],
        "CONJUNCTION": ["CONJUNCTION_AND", "CONJUNCTION_OR"],
        "CONSTANT": ["VALUE_CONSTANT"],
        "FUNCTION": ["FUNCTION"],
        "LAMBDA": ["LAMBDA"],
        "OPERATOR": [
            "OPERATOR_NOT", "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL", "COMPARE_IN", "COMPARE_NOT_IN", "OPERATOR_NULLIF",
            "OPERATOR_COALESCE", "ARRAY_EXTRACT", "ARRAY_SLICE", "STRUCT_EXTRACT", "ARRAY_CONSTRUCTOR", "ARROW",
            "GROUPING_FUNCTION", "OPERATOR_TRY", "OPERATOR_UNPACK",
        ],
        "PARAMETER": ["VALUE_PARAMETER"],
        "POSITIONAL_REFERENCE": ["POSITIONAL_REFERENCE"],
        "STAR": ["STAR"],
        "SUBQUERY": ["SUBQUERY"],
        "WINDOW": [
            "WINDOW_AGGREGATE", "WINDOW_RANK", "WINDOW_RANK_DENSE", "WINDOW_NTILE", "WINDOW_PERCENT_RANK",
            "WINDOW_CUME_DIST", "WINDOW_ROW_NUMBER", "WINDOW_FIRST_VALUE", "WINDOW_LAST_VALUE", "WINDOW_LEAD",
            "WINDOW_LAG", "WINDOW_NTH_VALUE", "WINDOW_FILL",
        ],
    ]

    /// Query nodes and table references, each with every member it may have. A table reference type that is
    /// not here (`COLUMN_DATA`, `DELIM_GET`, `CTE`, …) and a query node that is not (`CTE_NODE`, …) are refused.
    static let nodeMembers: [String: Set<String>] = [
        "SELECT_NODE": [
            "type", "modifiers", "cte_map", "select_list", "from_table", "where_clause", "group_expressions",
            "group_sets", "aggregate_handling", "having", "sample", "qualify",
        ],
        "SET_OPERATION_NODE": ["type", "modifiers", "cte_map", "setop_type", "setop_all", "left", "right"],
        "RECURSIVE_CTE_NODE": [
            "type", "modifiers", "cte_map", "cte_name", "union_all", "left", "right", "aliases", "key_targets",
        ],
        "BASE_TABLE": [
            "type", "alias", "sample", "query_location", "schema_name", "table_name", "column_name_alias",
            "catalog_name", "at_clause",
        ],
        "EMPTY": ["type", "alias", "sample", "query_location"],
        "EXPRESSION_LIST": ["type", "alias", "sample", "query_location", "expected_names", "expected_types", "values"],
        "JOIN": [
            "type", "alias", "sample", "query_location", "left", "right", "condition", "join_type", "ref_type",
            "using_columns", "delim_flipped", "duplicate_eliminated_columns",
        ],
        "PIVOT": [
            "type", "alias", "sample", "query_location", "source", "aggregates", "unpivot_names", "pivots", "groups",
            "column_name_alias", "include_nulls",
        ],
        "SHOW_REF": [
            "type", "alias", "sample", "query_location", "table_name", "query", "show_type", "catalog_name",
            "schema_name",
        ],
        "SUBQUERY": ["type", "alias", "sample", "query_location", "subquery", "column_name_alias"],
        "TABLE_FUNCTION": ["type", "alias", "sample", "query_location", "function", "column_name_alias", "with_ordinality"],
    ]

    /// Other typed objects that hold no names: result modifiers and the direction of an `ORDER BY` term.
    static let leafTypes: Set<String> = [
        "ORDER_MODIFIER", "LIMIT_MODIFIER", "LIMIT_PERCENT_MODIFIER", "DISTINCT_MODIFIER",
        "ORDER_DEFAULT", "ASCENDING", "DESCENDING",
    ]

    /// Functions that reveal the environment, settings, sequences, logs or the catalogue, or that stall a
    /// connection. Table functions need no entry here: only the allow-list may appear in `FROM`.
    static let deniedFunctions: Set<String> = [
        "getenv", "current_setting", "getvariable", "current_query", "in_search_path", "json_serialize_plan",
        "json_execute_serialized_sql", "pg_get_viewdef", "pg_get_constraintdef", "format_type", "get_block_size",
        "pg_sleep", "sleep_ms", "write_log", "nextval", "currval", "query", "query_table", "glob", "sniff_csv",
        "which_secret", "checkpoint", "force_checkpoint", "enable_logging", "disable_logging", "enable_profiling",
        "disable_profiling", "truncate_duckdb_logs", "repeat_row", "summary", "seq_scan", "arrow_scan",
    ]

    /// Name prefixes of function families that read files or the catalogue (`read_csv`, `duckdb_tables`, …).
    static let deniedFunctionPrefixes: [String] = [
        "duckdb_", "pragma_", "read_", "parquet_", "iceberg_", "delta_", "st_read", "sqlite_", "postgres_", "mysql_",
        "ducklake_", "icu_calendar",
    ]

    /// Whether the (scalar, aggregate or window) function `name` is refused.
    static func isDeniedFunction(_ name: String) -> Bool {
        let lowered = foldCase(name)
        return deniedFunctions.contains(lowered) || deniedFunctionPrefixes.contains { lowered.hasPrefix($0) }
    }

    /// `name` as DuckDB compares identifiers: ASCII letters lower-cased, everything else kept.
    ///
    /// Not `lowercased()`: Unicode folding maps the Kelvin sign to `k`, so `WITH "\u{212A}PIS" AS (…)` would look
    /// like a CTE named `kpis` while DuckDB reads the real table `kpis`.
    static func foldCase(_ name: String) -> String {
        String(
            decoding: name.utf8.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 },
            as: UTF8.self)
    }
}
