import AnalystAPI
import AnalystCore

extension Schemas.SyncJob {
    init(_ job: SyncJob) {
        self.init(
            id: job.id, status: .init(job.status), step: .init(job.step), tables: job.tables,
            createdAt: job.createdAt, startedAt: job.startedAt, finishedAt: job.finishedAt,
            published: job.report.map { .init(additionalProperties: $0.published) }, changedTables: job.report?.changedTables,
            errors: .init(additionalProperties: job.errors), durationMs: job.report?.elapsed.wholeMilliseconds,
            results: job.results.map(Schemas.SyncTableResult.init))
    }
}

extension Schemas.SyncTableResult {
    init(_ outcome: TableOutcome) {
        self.init(
            tableId: outcome.table, source: outcome.source, status: .init(rawValue: outcome.status.rawValue) ?? .error,
            rows: Int(outcome.rows), bytes: Int(outcome.bytes), durationMs: outcome.duration.wholeMilliseconds,
            error: outcome.error)
    }
}

extension Schemas.SyncHistoryEntry {
    init(_ entry: SyncHistoryEntry) {
        self.init(
            id: entry.id, tableId: entry.table, source: entry.source, jobId: entry.jobID, syncedAt: entry.syncedAt,
            status: .init(rawValue: entry.status.rawValue) ?? .error, rows: Int(entry.rows), bytes: Int(entry.bytes),
            durationMs: entry.durationMilliseconds, error: entry.error)
    }
}

extension Schemas.SyncJob.StatusPayload {
    init(_ status: SyncJob.Status) {
        switch status {
        case .queued: self = .queued
        case .running: self = .running
        case .succeeded: self = .succeeded
        case .partial: self = .partial
        case .failed: self = .failed
        }
    }
}

extension Schemas.SyncJob.StepPayload {
    init(_ step: SyncJob.Step) {
        switch step {
        case .queued: self = .queued
        case .extract: self = .extract
        case .rebuild: self = .rebuild
        case .profile: self = .profile
        case .done: self = .done
        }
    }
}

extension Schemas.Column {
    init(_ column: ColumnInfo) {
        self.init(name: column.name, _type: column.type)
    }
}
