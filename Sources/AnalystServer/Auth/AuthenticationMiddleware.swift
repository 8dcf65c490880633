import AnalystCore
import Foundation
import Hummingbird

/// Requires a valid access token or personal access token (`Authorization: Bearer …`, or the `access_token`
/// cookie) for an existing user,
/// and puts that user, with the role from the database, into the request context.
///
/// Failures answer exactly as the reference: 401 `Missing or invalid Authorization header`,
/// `Invalid or expired token`, `User not found`.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenService
    let users: UserRepository
    let accessTokens: PersonalAccessTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let (token, fromCookie) = AuthenticationMiddleware.token(from: request) else {
            throw APIError(.unauthorized, "Missing or invalid Authorization header")
        }
        if fromCookie, !AuthenticationMiddleware.isSameOriginOrSafe(request) {
            throw APIError(
                .forbidden,
                "Cross-site request refused: a cookie-authenticated \(request.method.rawValue) needs an Origin or Referer "
                    + "header of this server (or use an Authorization: Bearer token)")
        }
        var context = context
        (context.user, context.credential) = try await authenticate(token)
        context.identity.userID = context.user?.id
        return try await next(request, context)
    }

    /// The user a token belongs to (role from the database) and how it authenticated; throws the 401 to answer.
    func authenticate(_ token: String) async throws -> (User, AppRequestContext.Credential) {
        if token.hasPrefix(PersonalAccessTokens.secretPrefix) {
            guard let userID = try await accessTokens.userID(forSecret: token) else {
                throw APIError(.unauthorized, "Invalid or expired token")
            }
            guard let user = try await users.find(id: userID) else {
                throw APIError(.unauthorized, "User not found")
            }
            return (user, .personalAccessToken(secret: token))
        }
        guard let claims = await tokens.verify(token) else {
            throw APIError(.unauthorized, "Invalid or expired token")
        }
        switch try await users.authenticate(userID: claims.sub.value, jti: claims.jti.value, generation: claims.gen) {
        case .valid(let user): return (user, .accessToken(claims))
        case .revoked: throw APIError(.unauthorized, "Invalid or expired token")
        case .userNotFound: throw APIError(.unauthorized, "User not found")
        }
    }

    /// The bearer token, else the cookie (and whether it came from the cookie); `nil` when neither is usable.
    static func token(from request: Request) -> (String, fromCookie: Bool)? {
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else { return nil }
            let token = header.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : (token, false)
        }
        if let cookie = request.cookies["access_token"]?.value, !cookie.isEmpty {
            return (cookie, true)
        }
        return nil
    }

    /// CSRF defence for cookie sessions: a state-changing request must come from a page of this server, as its
    /// `Origin` (or, failing that, `Referer`) header shows. Browsers always send `Origin` on cross-site POSTs and
    /// scripts cannot forge it; bearer-token clients are not affected.
    static func isSameOriginOrSafe(_ request: Request) -> Bool {
        if [.get, .head, .options].contains(request.method) { return true }
        guard let host = request.head.authority else { return false }
        let source = request.headers[.origin] ?? request.headers[.referer]
        guard let source, let url = URLComponents(string: source), let sourceHost = url.host else { return false }
        let sourceAuthority = url.port.map { "\(sourceHost):\($0)" } ?? sourceHost
        return sourceAuthority.lowercased() == host.lowercased()
    }
}

/// Lets a request through only when its user's role is at least `minimum`: 403 `Requires role <role> or higher`.
struct RoleMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let minimum: Role

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let user = context.user, user.role >= minimum else {
            throw APIError(.forbidden, "Requires role \(minimum.rawValue) or higher")
        }
        return try await next(request, context)
    }
}
