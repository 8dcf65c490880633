import AnalystCore
import Hummingbird
import Synchronization

/// Per-request data shared by middleware and controllers.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, set by `AuthenticationMiddleware` (role as stored in the database).
    public var user: User?
    /// How the request authenticated (for logout).
    var credential: Credential?
    /// A page's form post, read and checked (same origin, form token) by `PageSessionMiddleware`.
    var form: WebForm?
    /// Who the request turned out to be, shared by every copy of this context so that outer middleware (audit)
    /// sees what inner middleware (authentication) found.
    public let identity = RequestIdentity()
    /// The peer's address, for rate limiting and audit ("unknown" when there is none, as in in-process tests).
    public let clientAddress: String
    /// Answers keep every declared field, `null` when it has no value (the contract's rule).
    public var responseEncoder: some ResponseEncoder { WireResponseEncoder() }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.user = nil
        self.credential = nil
        self.form = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The credential a request presented.
    enum Credential: Sendable {
        case accessToken(AccessTokenClaims)
        case personalAccessToken(secret: String)
    }

    /// A page's form post (read by `PageSessionMiddleware`); 422 when the body was not an HTML form.
    func requireForm() throws -> WebForm {
        guard let form else {
            throw APIError(.unprocessableContent, "the request body must be an HTML form (application/x-www-form-urlencoded)")
        }
        return form
    }

    /// The signed-in user on routes behind `AuthenticationMiddleware`.
    func requireUser() throws -> User {
        guard let user else { throw APIError(.unauthorized, "Missing or invalid Authorization header") }
        return user
    }
}

/// The authenticated user's id for one request, written once by `AuthenticationMiddleware`.
public final class RequestIdentity: Sendable {
    private let storedUserID = Mutex<String?>(nil)

    public var userID: String? {
        get { storedUserID.withLock { $0 } }
        set { storedUserID.withLock { $0 = newValue } }
    }
}
