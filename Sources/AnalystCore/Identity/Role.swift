/// What a user may do, from least to most: `viewer < analyst < km_admin < admin`.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer
    case analyst
    case kmAdmin = "km_admin"
    case admin

    /// Position in the hierarchy (the reference's `ROLE_HIERARCHY`).
    public var rank: Int {
        switch self {
        case .viewer: 0
        case .analyst: 1
        case .kmAdmin: 2
        case .admin: 3
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// The accepted spellings, for error messages.
    public static let allowedValues = allCases.map(\.rawValue).joined(separator: ", ")
}
