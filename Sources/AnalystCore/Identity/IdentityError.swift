/// Identity failures a caller can act on; the server maps them to HTTP statuses.
public enum IdentityError: Error, Equatable, CustomStringConvertible {
    case emailTaken
    case invalidEmail(String)
    case userNotFound
    case unknownRole(String)
    case bootstrapDisabled(existingUsers: Int)
    case lastAdmin

    public var description: String {
        switch self {
        case .emailTaken: return "User with this email already exists"
        case .invalidEmail(let email): return "\"\(email)\" is not a valid email address"
        case .userNotFound: return "User not found"
        case .unknownRole(let role): return "unknown role \"\(role)\"; use one of \(Role.allowedValues)"
        case .lastAdmin: return "the last admin cannot be removed or demoted; make another user admin first"
        case .bootstrapDisabled(let count):
            return "Bootstrap disabled — \(count) users already exist. Use /auth/token to login."
        }
    }
}
