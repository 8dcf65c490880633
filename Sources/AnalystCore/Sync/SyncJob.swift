import Foundation

/// One sync run: the extract step for the chosen tables, then a rebuild, then profiles for changed tables.
public struct SyncJob: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case queued, running, succeeded, failed

        /// Whether the job has ended (one way or the other).
        public var isFinished: Bool { self == .succeeded || self == .failed }
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
}
