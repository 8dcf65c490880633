import DuckDB
import Foundation

/// Computes the server's health from the system database. Each check is bounded by `timeout`, so a stuck
/// database makes the report say `error` instead of making the caller wait.
public struct HealthCheck: Sendable {
    public let system: SystemDatabase
    /// A table whose last sync is older than this is stale (the reference: 24 h).
    public var staleAfter: Duration = .seconds(86_400)
    public var timeout: Duration = .seconds(5)
    /// The corporate-memory collector's model as logs may show it (provider, model, scheme://host), `nil` when no
    /// AI provider is configured; the check is reported only when `reportsMemory`.
    public var aiProvider: String?
    public var reportsMemory = false
    /// Whether the server still serves the epoch published before it started (its start-up rebuild runs).
    public var isStarting: @Sendable () -> Bool = { false }

    public init(system: SystemDatabase) {
        self.system = system
    }

    /// Runs the three checks concurrently and combines them.
    public func report(now: Date = Date()) async -> HealthReport {
        async let state = check { connection in
            _ = try connection.query("SELECT 1").scalar()
            return HealthReport.Check.ok
        }
        let staleSeconds = Double(staleAfter.components.seconds)
        async let data = check { connection in
            let summary =
                try connection.query(
                    """
                    SELECT count(*), coalesce(sum(rows), 0)::BIGINT,
                           coalesce(list(table_id ORDER BY table_id) FILTER (
                               WHERE last_sync IS NULL OR last_sync < ?::TIMESTAMP), [])
                    FROM sync_state
                    """,
                    [.timestamp(TimestampValue(now.addingTimeInterval(-staleSeconds)))]
                ).rows().first ?? []
            guard summary.count == 3, case .bigint(let tables) = summary[0], case .bigint(let rows) = summary[1],
                case .list(let staleValues) = summary[2]
            else { return HealthReport.Check.error("unexpected sync_state summary") }
            let stale = staleValues.compactMap { value -> String? in
                if case .varchar(let id) = value { return id }
                return nil
            }
            // A table is failing when its last extract failed, or when the last rebuild could not publish it.
            let failed = try connection.query(
                """
                WITH last_runs AS (
                    SELECT table_id, arg_max(status, synced_at) AS status, arg_max(error, synced_at) AS error
                    FROM sync_history WHERE status <> 'skipped' GROUP BY table_id
                ), failing AS (
                    SELECT table_id, error FROM last_runs
                    WHERE status = 'error'
                      AND (table_id IN (SELECT id FROM table_registry) OR table_id IN (SELECT table_id FROM sync_state))
                    UNION ALL
                    SELECT table_id, error FROM sync_state WHERE status = 'error'
                )
                SELECT table_id, first(coalesce(error, 'failed')) FROM failing GROUP BY table_id ORDER BY table_id
                """
            ).rows().compactMap { row -> HealthReport.FailedTable? in
                guard let id = row[0].stringValue, let error = row[1].stringValue else { return nil }
                return HealthReport.FailedTable(tableID: id, error: error)
            }
            return HealthReport.Check(
                status: stale.isEmpty && failed.isEmpty ? "ok" : "warning", tables: Int(tables), totalRows: Int(rows),
                staleTables: stale, failedTables: failed)
        }
        async let users = check { connection in
            guard case .bigint(let count) = try connection.query("SELECT count(*) FROM users").scalar() else {
                return HealthReport.Check.error("cannot count users")
            }
            return HealthReport.Check(status: "ok", count: Int(count))
        }
        let provider = aiProvider
        async let memory = check { connection in
            guard let provider else {
                return HealthReport.Check(
                    status: "ok", detail: "not configured: no AI provider (ai.provider in instance.yaml), notes are not collected")
            }
            let last = try connection.query(
                "SELECT status, error, finished_at FROM memory_collections ORDER BY started_at DESC LIMIT 1"
            ).rows().first
            guard let last, let status = last[0].stringValue else {
                return HealthReport.Check(status: "ok", detail: "\(provider); no collection yet")
            }
            let when: String
            if case .timestamp(let finished) = last[2] {
                when = finished.date.formatted(Date.ISO8601FormatStyle())
            } else {
                when = "an unknown time"
            }
            if status == "failed" || status == "partial" {
                return HealthReport.Check(
                    status: "warning", detail: "\(provider); last collection \(status) at \(when): \(last[1].stringValue ?? "")")
            }
            return HealthReport.Check(status: "ok", detail: "\(provider); last collection \(status) at \(when)")
        }
        var services = await HealthReport.Services(
            duckdbState: state, data: data, users: users, corporateMemory: reportsMemory ? memory : nil)
        let starting = isStarting()
        if starting {
            let detail = "starting: serving the data published before the server started until its start-up rebuild is done"
            services.data.detail = services.data.detail.map { "\(detail); \($0)" } ?? detail
        }
        return HealthReport(services: services, starting: starting, at: now)
    }

    /// Whether the server should receive traffic: its start-up rebuild has published and the system database
    /// answers (a bounded `SELECT 1`). `nil` when ready, otherwise why not.
    public func readiness() async -> String? {
        if isStarting() { return "starting: the start-up rebuild has not published yet (the last published data is served)" }
        do {
            _ = try await system.withConnection(timeout: timeout) { try $0.query("SELECT 1").scalar() }
            return nil
        } catch {
            return "the system database does not answer: \(error)"
        }
    }

    private func check(
        _ body: @escaping @Sendable (Connection) throws -> HealthReport.Check
    ) async -> HealthReport.Check {
        do {
            return try await system.withConnection(timeout: timeout, body)
        } catch {
            return .error("\(error)")
        }
    }
}
