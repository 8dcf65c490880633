import Foundation

/// One sync run: the extract step for the chosen tables, then a rebuild, then profiles for changed tables.
public struct SyncJob: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// `succeeded`: every table did; `partial`: some failed, others published; `failed`: nothing could be
        /// published, or the rebuild failed.
        case queued, running, succeeded, partial, failed

        /// Whether the job has ended (one way or the other).
        public var isFinished: Bool { self == .succeeded || self == .partial || self == .failed }
    }

    /// The steps of a job, in order.
    public enum Step: String, Sendable, Codable {
        case queued, extract, rebuild, profile, done
    }

    public let id: String
    /// The table ids asked for; `nil` means all.
    public var tables: [String]?
    public var status: Status
    /// The step running now or last run.
    public var step: Step
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var report: RebuildReport?
    /// Errors by table or source (a failed source does not fail the job; a failed rebuild does).
    public var errors: [String: String]
    /// Each extracted table's outcome.
    public var results: [TableOutcome] = []
    /// Whether the job profiles changed tables after its rebuild (a Jira batch's publication does not: its tables
    /// change every few seconds, and they are profiled when the webhooks calm down).
    public var profiles = true

    /// Whether the job covers `table` (a job for all tables covers every one).
    public func covers(_ table: String) -> Bool {
        tables.map { $0.contains(table) } ?? true
    }

    /// The status a finished job has: failed when the rebuild failed or every extracted table failed (or, with
    /// nothing extracted, when sources failed and nothing was published); partial when anything else went wrong.
    static func outcome(rebuildFailed: Bool, results: [TableOutcome], report: RebuildReport?, errors: [String: String]) -> Status {
        if rebuildFailed { return .failed }
        let extracted = results.filter { $0.status != .skipped }
        if !extracted.isEmpty && extracted.allSatisfy({ $0.status == .error }) { return .failed }
        if extracted.isEmpty, let report, report.tableCount == 0, !errors.isEmpty { return .failed }
        return errors.isEmpty ? .succeeded : .partial
    }
}
