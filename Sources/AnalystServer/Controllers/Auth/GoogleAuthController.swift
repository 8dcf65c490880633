import AnalystCore
import Foundation
import Hummingbird
import Logging

/// `/auth/google/login` and `/auth/google/callback`: sign-in with Google (or another OpenID Connect provider)
/// through the authorization-code flow with `state`, `nonce` and PKCE.
///
/// Failures send the browser to `/login?error=<reason>` (`google_not_configured`, `oauth_failed`, `no_email`,
/// `email_not_verified`, `domain_not_allowed`) and are logged with the detail.
struct GoogleAuthController {
    /// `nil` when Google sign-in is not configured.
    let provider: OIDCProvider?
    let pending: PendingSignIns
    let users: UserRepository
    let tokens: TokenService
    let publicURL: String?
    let tokenLifetime: Duration
    let logger: Logger

    static let stateCookie = "oidc_state"
    static let cookiePath = "/auth/google"

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("login") { request, _ in try await login(request) }
        group.get("callback") { request, context in try await callback(request, context: context) }
    }

    func login(_ request: Request) async throws -> Response {
        guard let provider else {
            return Response(status: .temporaryRedirect, headers: [.location: "/login?error=google_not_configured"])
        }
        let state = Secrets.urlSafeToken()
        let entry = PendingSignIns.Entry(
            nonce: Secrets.urlSafeToken(), codeVerifier: Secrets.urlSafeToken(),
            redirectURI: PublicLinks.url(publicURL: publicURL, request: request, path: "/auth/google/callback", query: []),
            createdAt: .now)
        let location: String
        do {
            location = try await provider.authorizationURL(
                redirectURI: entry.redirectURI, state: state, nonce: entry.nonce,
                codeChallenge: Secrets.pkceChallenge(for: entry.codeVerifier))
        } catch {
            logger.error("Google sign-in could not start", metadata: ["error": "\(error)"])
            return GoogleAuthController.failure("oauth_failed")
        }
        await pending.insert(state: state, entry)
        var response = Response(status: .found, headers: [.location: location])
        response.setCookie(
            SessionCookie.scoped(
                name: GoogleAuthController.stateCookie, value: state, path: GoogleAuthController.cookiePath,
                maxAge: Int(pending.lifetime.components.seconds), publicURL: publicURL))
        return response
    }

    func callback(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let provider else { return GoogleAuthController.failure("google_not_configured") }
        var response = try await signIn(request, context: context, provider: provider)
        response.setCookie(
            SessionCookie.expired(name: GoogleAuthController.stateCookie, path: GoogleAuthController.cookiePath, publicURL: publicURL))
        return response
    }

    private func signIn(_ request: Request, context: AppRequestContext, provider: OIDCProvider) async throws -> Response {
        let query = request.uri.queryParameters
        if let error = query["error"] {
            logger.info("Google sign-in refused by the provider", metadata: ["error": "\(error)"])
            return GoogleAuthController.failure("oauth_failed")
        }
        // The state must be the one this browser was given (login CSRF) and one this server issued (once).
        guard let state = query["state"].map(String.init), let code = query["code"].map(String.init),
            request.cookies[GoogleAuthController.stateCookie]?.value == state,
            let entry = await pending.take(state: state)
        else {
            logger.info("Google sign-in callback with a missing, foreign or expired state")
            return GoogleAuthController.failure("oauth_failed")
        }
        let identity: OIDCIdentity
        do {
            identity = try await provider.signIn(
                code: code, codeVerifier: entry.codeVerifier, redirectURI: entry.redirectURI, nonce: entry.nonce)
        } catch {
            logger.error("Google sign-in failed", metadata: ["error": "\(error)"])
            return GoogleAuthController.failure("oauth_failed")
        }
        guard let email = identity.email.map(User.normalizeEmail), User.isValidEmail(email) else {
            return GoogleAuthController.failure("no_email")
        }
        guard identity.emailVerified else { return GoogleAuthController.failure("email_not_verified") }
        guard provider.settings.allows(email: email) else {
            logger.info("Google sign-in from a domain that is not allowed", metadata: ["email": "\(email)"])
            return GoogleAuthController.failure("domain_not_allowed")
        }
        let user = try await findOrCreate(email: email, name: identity.name)
        context.identity.userID = user.id
        var response = Response(status: .found, headers: [.location: "/"])
        response.setCookie(
            SessionCookie.signedIn(
                token: try await tokens.issue(for: user, users: users), lifetime: tokenLifetime, publicURL: publicURL))
        return response
    }

    /// The user with this email; a first sign-in creates an analyst.
    private func findOrCreate(email: String, name: String?) async throws -> User {
        if let user = try await users.find(email: email) { return user }
        do {
            let name = name.flatMap { $0.isEmpty ? nil : $0 } ?? String(email.prefix { $0 != "@" })
            let user = try await users.create(email: email, name: name, role: .analyst, passwordHash: nil)
            logger.info("created a user at first Google sign-in", metadata: ["email": "\(email)", "role": "analyst"])
            return user
        } catch IdentityError.emailTaken {
            // Two first sign-ins raced; the other one created the user.
            guard let user = try await users.find(email: email) else { throw IdentityError.userNotFound }
            return user
        }
    }

    static func failure(_ reason: String) -> Response {
        Response(status: .found, headers: [.location: "/login?error=\(reason)"])
    }
}
