import AnalystCore
import Hummingbird

/// Per-request data shared by middleware and controllers.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, set by `AuthenticationMiddleware` (role as stored in the database).
    public var user: User?
    /// How the request authenticated (for logout).
    var credential: Credential?
    /// The peer's address, for rate limiting and audit ("unknown" when there is none, as in in-process tests).
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.user = nil
        self.credential = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The credential a request presented.
    enum Credential: Sendable {
        case accessToken(AccessTokenClaims)
        case personalAccessToken(secret: String)
    }

    /// The signed-in user on routes behind `AuthenticationMiddleware`.
    func requireUser() throws -> User {
        guard let user else { throw APIError(.unauthorized, "Missing or invalid Authorization header") }
        return user
    }
}
