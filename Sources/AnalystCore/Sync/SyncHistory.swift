import AnalystAPI
import DuckDB
import Foundation

/// One `sync_history` row: one table's outcome in one sync run.
public struct SyncHistoryEntry: Sendable, Equatable {
    public var id: String
    public var table: String
    public var source: String?
    public var jobID: String?
    public var syncedAt: Date
    public var status: TableOutcome.Status
    public var rows: Int64
    public var bytes: Int64
    public var durationMilliseconds: Int
    public var error: String?
}

/// `sync_history`: what each run did to each table. Appended by the sync jobs; read by `GET /api/sync/history`
/// and by the scheduler (when each table last ran, which survives a restart).
public struct SyncHistory: Sendable {
    public let system: SystemDatabase
    /// Entries kept per table, the newest (older ones go as new ones are appended): three weeks of runs every
    /// 15 minutes.
    public var keptPerTable: Int

    public init(system: SystemDatabase, keptPerTable: Int = 2_000) {
        self.system = system
        self.keptPerTable = keptPerTable
    }

    /// Appends one row per outcome of job `jobID`, then drops those tables' entries beyond `keptPerTable`.
    public func append(_ outcomes: [TableOutcome], jobID: String?, at now: Date = Date()) async throws {
        guard !outcomes.isEmpty else { return }
        try await system.withConnection { connection in
            try connection.transaction {
                for outcome in outcomes {
                    try connection.run(
                        """
                        INSERT INTO sync_history (id, table_id, synced_at, rows, duration_ms, status, error, source, bytes, job_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .varchar(UUID().uuidString.lowercased()), .varchar(outcome.table), .timestamp(TimestampValue(now)),
                            .bigint(outcome.rows), .integer(Int32(clamping: outcome.duration.wholeMilliseconds)),
                            .varchar(outcome.status.rawValue), outcome.error.map(Value.varchar) ?? .null,
                            .varchar(outcome.source), .bigint(outcome.bytes), jobID.map(Value.varchar) ?? .null,
                        ])
                }
                for table in Set(outcomes.map(\.table)).sorted() {
                    try connection.run(
                        """
                        DELETE FROM sync_history WHERE table_id = ? AND id IN (
                            SELECT id FROM sync_history WHERE table_id = ? ORDER BY synced_at DESC, id OFFSET ?)
                        """,
                        [.varchar(table), .varchar(table), .bigint(Int64(keptPerTable))])
                }
            }
        }
    }

    /// The newest entries first, of one table or all, at most `limit`.
    public func list(table: String? = nil, limit: Int = 100) async throws -> [SyncHistoryEntry] {
        var sql = "SELECT id, table_id, source, job_id, synced_at, status, rows, bytes, duration_ms, error FROM sync_history"
        var parameters: [Value] = []
        if let table {
            sql += " WHERE table_id = ?"
            parameters.append(.varchar(table))
        }
        sql += " ORDER BY synced_at DESC, table_id LIMIT ?"
        parameters.append(.bigint(Int64(limit)))
        return try await entries(sql, parameters)
    }

    /// Each table's newest entry.
    public func latestPerTable() async throws -> [SyncHistoryEntry] {
        try await entries(
            "SELECT id, table_id, source, job_id, synced_at, status, rows, bytes, duration_ms, error FROM sync_history "
                + "QUALIFY row_number() OVER (PARTITION BY table_id ORDER BY synced_at DESC) = 1 ORDER BY table_id", [])
    }

    private func entries(_ sql: String, _ parameters: [Value]) async throws -> [SyncHistoryEntry] {
        try await system.withConnection { connection in
            try connection.query(sql, parameters).rows().compactMap { row in
                guard let id = row[0].stringValue, let table = row[1].stringValue, let at = row[4].dateValue else { return nil }
                return SyncHistoryEntry(
                    id: id, table: table, source: row[2].stringValue, jobID: row[3].stringValue, syncedAt: at,
                    status: row[5].stringValue.flatMap(TableOutcome.Status.init(rawValue:)) ?? .ok, rows: row[6].int64Value ?? 0,
                    bytes: row[7].int64Value ?? 0, durationMilliseconds: Int(row[8].int64Value ?? 0), error: row[9].stringValue)
            }
        }
    }

    /// When each table's extract last ran (succeeded, failed or found nothing to do), by table id.
    public func lastRuns() async throws -> [String: Date] {
        try await system.withConnection { connection in
            var runs: [String: Date] = [:]
            for row in try connection.query(
                "SELECT table_id, max(synced_at) FROM sync_history GROUP BY table_id"
            ).rows() {
                if let table = row[0].stringValue, let at = row[1].dateValue { runs[table] = at }
            }
            return runs
        }
    }
}
