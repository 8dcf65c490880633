import Foundation

/// One piece of corporate memory ("revenue excludes refunds"): proposed by an analyst or the collector, reviewed by
/// a km_admin, and — once approved or mandatory — sent to the analysts it is meant for as a Claude Code rule.
public struct KnowledgeItem: Sendable, Equatable {
    /// The reference's statuses. `pending` waits for review; `approved` and `mandatory` are distributed; `rejected`
    /// was never accepted; `revoked` was withdrawn after approval (final); `expired` is declared, not produced yet.
    public enum Status: String, Sendable, CaseIterable, Codable {
        case pending, approved, mandatory, rejected, revoked, expired
    }

    public var id: String
    public var title: String
    public var content: String
    public var category: String
    public var tags: [String]
    public var status: Status
    /// Everyone who proposed it (the collector adds contributors instead of making copies).
    public var contributors: [String]
    /// The proposer's email.
    public var sourceUser: String?
    public var audience: KnowledgeAudience
    /// `manual` (the API, the web, `da memory add`) or `collector`.
    public var source: String
    public var createdAt: Date
    public var updatedAt: Date
    /// Who approved or mandated it, and when.
    public var approvedBy: String?
    public var approvedAt: Date?
    /// The reason given with the last governance action.
    public var reason: String?
    public var editedBy: String?
    public var editedAt: Date?
    /// When a km_admin should look at it again.
    public var reviewBy: Date?
    /// Ids of items merged into this one.
    public var duplicates: [String]
    public var upvotes: Int
    public var downvotes: Int
    /// Why the collector's sensitivity check did not clear it (it then waits for review whatever the approval
    /// mode); `nil` when it was cleared or never checked (proposed by a person).
    public var sensitivity: String? = nil
    /// The approved item this one would replace: the collector never rewrites an approved item, it proposes a
    /// revision that a km_admin approves.
    public var revisionOf: String? = nil

    public var score: Int { upvotes - downvotes }
}

/// Who an item is for: everyone, the users of one role, or a list of users (by email). Written as `all`,
/// `role:<role>` or `users:<email>,<email>`.
public enum KnowledgeAudience: Sendable, Equatable {
    case everyone
    case role(Role)
    case users([String])

    /// The stored and wire form.
    public var text: String {
        switch self {
        case .everyone: "all"
        case .role(let role): "role:\(role.rawValue)"
        case .users(let emails): "users:" + emails.joined(separator: ",")
        }
    }

    /// Reads the wire form; `nil` or empty means everyone. Throws a message saying what to write instead.
    public init(parsing text: String?) throws(KnowledgeError) {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "all" {
            self = .everyone
        } else if trimmed.hasPrefix("role:"), let role = Role(rawValue: String(trimmed.dropFirst(5))) {
            self = .role(role)
        } else if trimmed.hasPrefix("users:") {
            let emails = trimmed.dropFirst(6).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty }
            guard !emails.isEmpty, emails.allSatisfy({ $0.contains("@") }) else {
                throw .invalid("audience users: needs email addresses, e.g. users:ann@example.com,bob@example.com")
            }
            self = .users(Array(Set(emails)).sorted())
        } else {
            throw .invalid(
                "audience must be all, role:<viewer|analyst|km_admin|admin> or users:<email>,<email>; got \"\(trimmed.prefix(80))\"")
        }
    }

    /// Whether `user` is in the audience (km_admins and admins see every item, to govern them).
    public func includes(_ user: User) -> Bool {
        if user.role >= .kmAdmin { return true }
        switch self {
        case .everyone: return true
        case .role(let role): return user.role == role
        case .users(let emails): return emails.contains(user.email.lowercased())
        }
    }
}

/// A governance action of a km_admin and the statuses it may start from.
public enum KnowledgeAction: String, Sendable, CaseIterable {
    case approve, reject, mandate, revoke

    /// The status the item gets.
    public var target: KnowledgeItem.Status {
        switch self {
        case .approve: .approved
        case .reject: .rejected
        case .mandate: .mandatory
        case .revoke: .revoked
        }
    }

    /// The statuses it applies to: a rejected item may still be approved on a second look; a revoked one is final.
    public var allowedFrom: Set<KnowledgeItem.Status> {
        switch self {
        case .approve: [.pending, .rejected, .mandatory]
        case .mandate: [.pending, .approved, .rejected]
        case .reject: [.pending]
        case .revoke: [.approved, .mandatory]
        }
    }

    /// Why the action does not apply to an item in `status` (the 409's text).
    public func refusal(from status: KnowledgeItem.Status) -> String {
        if status == target { return "Knowledge item is already \(status.rawValue)" }
        let allowed = KnowledgeItem.Status.allCases.filter(allowedFrom.contains).map(\.rawValue).joined(separator: " or ")
        return "Cannot \(rawValue) a \(status.rawValue) item (only \(allowed) items)"
    }
}

/// Why a memory operation was refused; the message is what the client sees.
public enum KnowledgeError: Error, Equatable, CustomStringConvertible {
    case notFound
    case invalid(String)
    case conflict(String)

    public var description: String {
        switch self {
        case .notFound: "Knowledge item not found"
        case .invalid(let message), .conflict(let message): message
        }
    }
}
