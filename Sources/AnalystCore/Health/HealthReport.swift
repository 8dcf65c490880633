import Foundation

/// The body of `GET /api/health`, in the Python reference's shape:
/// `{"status", "timestamp", "services": {"duckdb_state", "data", "users"}}`.
public struct HealthReport: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// `starting`: serving the epoch published before the start while the start-up rebuild runs (and no check
        /// failed).
        case healthy, degraded, unhealthy, starting
    }

    /// One check's outcome: `ok`, `warning` or `error` plus details.
    public struct Check: Codable, Sendable, Equatable {
        public var status: String
        public var detail: String?
        public var tables: Int?
        public var totalRows: Int?
        public var staleTables: [String]?
        /// Tables whose last sync failed, with the reason.
        public var failedTables: [FailedTable]?
        public var count: Int?

        enum CodingKeys: String, CodingKey {
            case status, detail, tables, count
            case totalRows = "total_rows"
            case staleTables = "stale_tables"
            case failedTables = "failed_tables"
        }

        public static let ok = Check(status: "ok")
        public static func error(_ detail: String) -> Check { Check(status: "error", detail: detail) }

        public init(
            status: String, detail: String? = nil, tables: Int? = nil, totalRows: Int? = nil,
            staleTables: [String]? = nil, failedTables: [FailedTable]? = nil, count: Int? = nil
        ) {
            self.failedTables = failedTables
            self.status = status
            self.detail = detail
            self.tables = tables
            self.totalRows = totalRows
            self.staleTables = staleTables
            self.count = count
        }
    }

    /// A table whose last sync failed (it keeps serving its last good data).
    public struct FailedTable: Codable, Sendable, Equatable {
        public var tableID: String
        public var error: String

        public init(tableID: String, error: String) {
            self.tableID = tableID
            self.error = error
        }

        enum CodingKeys: String, CodingKey {
            case tableID = "table_id"
            case error
        }
    }

    public struct Services: Codable, Sendable, Equatable {
        public var duckdbState: Check
        public var data: Check
        public var users: Check
        /// The corporate-memory collector: which model it uses, or that none is configured, and how its last run
        /// went. It does not change the overall status (the server serves without it).
        public var corporateMemory: Check?

        public init(duckdbState: Check, data: Check, users: Check, corporateMemory: Check? = nil) {
            self.duckdbState = duckdbState
            self.data = data
            self.users = users
            self.corporateMemory = corporateMemory
        }

        enum CodingKeys: String, CodingKey {
            case duckdbState = "duckdb_state"
            case corporateMemory = "corporate_memory"
            case data, users
        }
    }

    public var status: Status
    /// ISO 8601 with `+00:00`, like the reference.
    public var timestamp: String
    public var services: Services

    /// Combines the checks: any `error` → unhealthy, else `starting` while the start-up rebuild runs, else any
    /// `warning` → degraded, else healthy.
    public init(services: Services, starting: Bool = false, at date: Date) {
        let statuses = [services.duckdbState.status, services.data.status, services.users.status]
        if statuses.contains("error") {
            status = .unhealthy
        } else if starting {
            status = .starting
        } else if statuses.contains("warning") {
            status = .degraded
        } else {
            status = .healthy
        }
        self.services = services
        self.timestamp = HealthReport.isoTimestamp(date)
    }

    static func isoTimestamp(_ date: Date) -> String {
        var formatted = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        if formatted.hasSuffix("Z") { formatted.removeLast() }
        return formatted + "+00:00"
    }
}
