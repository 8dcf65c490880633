/// A query the sandbox accepted: run `sql` (and nothing else) on the connection that checked it.
public struct SandboxedQuery: Sendable, Equatable {
    /// The one statement, trimmed, without trailing semicolons. It may end in a `--` comment, so put a newline
    /// after it before embedding it in other SQL.
    public let sql: String
    /// The names (ASCII lower-cased) of the readable tables and views it references (CTEs excluded).
    public let tables: Set<String>
}
