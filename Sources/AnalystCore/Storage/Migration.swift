/// One numbered step of the system database's schema. Applied once, in a transaction, in version order.
public struct Migration: Sendable {
    /// 1, 2, 3, … without gaps.
    public let version: Int
    /// A short name for logs and errors.
    public let name: String
    /// One or more SQL statements.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
