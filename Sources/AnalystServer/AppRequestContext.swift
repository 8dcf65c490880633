import AnalystCore
import Hummingbird

/// Per-request data shared by middleware and controllers.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, set by `AuthenticationMiddleware` (role as stored in the database).
    public var user: User?
    /// The verified access token's claims (for logout).
    var token: AccessTokenClaims?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.user = nil
        self.token = nil
    }

    /// The signed-in user on routes behind `AuthenticationMiddleware`.
    func requireUser() throws -> User {
        guard let user else { throw APIError(.unauthorized, "Missing or invalid Authorization header") }
        return user
    }
}
