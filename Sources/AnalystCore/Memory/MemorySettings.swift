import Foundation

/// How corporate memory treats what the collector finds (`corporate_memory:` in `instance.yaml`).
public struct MemorySettings: Sendable, Equatable {
    /// The status a collected item starts with.
    public enum ApprovalMode: String, Sendable, CaseIterable {
        /// Pending until a km_admin approves it (the default).
        case reviewQueue = "review_queue"
        /// Approved at once (items the sensitivity check flagged still wait for review).
        case autoPublish = "auto_publish"
        /// Pending until it has `threshold` upvotes, then approved.
        case threshold
    }

    /// `corporate_memory.approval_mode`.
    public var approvalMode = ApprovalMode.reviewQueue
    /// `corporate_memory.threshold`: the upvotes that approve a pending item in `threshold` mode (3).
    public var threshold = 3
    /// `corporate_memory.collect_minutes`: how often the collector runs (30); 0 turns the schedule off (the
    /// `POST /api/memory/admin/collect` route still runs it).
    public var collectPeriod: Duration? = .seconds(30 * 60)

    public init() {}

    /// Upvotes that approve a pending item, when the mode approves by votes.
    public var approvingUpvotes: Int? { approvalMode == .threshold ? threshold : nil }

    /// Reads `corporate_memory:`; a wrong value is refused with the key and what to write.
    public static func resolve(instance: InstanceConfig) throws(ConfigError) -> MemorySettings {
        var settings = MemorySettings()
        if let mode = instance.string("corporate_memory.approval_mode") {
            guard let parsed = ApprovalMode(rawValue: mode) else {
                throw ConfigError.invalidValue(
                    key: "corporate_memory.approval_mode",
                    message: "must be one of \(ApprovalMode.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(mode)\"")
            }
            settings.approvalMode = parsed
        }
        if let threshold = instance.int("corporate_memory.threshold") {
            guard (1...1000).contains(threshold) else {
                throw ConfigError.invalidValue(key: "corporate_memory.threshold", message: "must be from 1 to 1000 upvotes")
            }
            settings.threshold = threshold
        }
        if let minutes = instance.int("corporate_memory.collect_minutes") {
            guard (0...10_080).contains(minutes) else {
                throw ConfigError.invalidValue(
                    key: "corporate_memory.collect_minutes", message: "must be from 0 (off) to 10080 minutes (a week)")
            }
            settings.collectPeriod = minutes == 0 ? nil : .seconds(minutes * 60)
        }
        return settings
    }
}
