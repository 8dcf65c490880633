import AnalystCore
import Foundation
import Hummingbird
import Logging

/// The pages a browser reaches from emails and sign-in redirects: `/` (who is signed in, how to connect the CLI),
/// `/login` (sign-in options and why the last attempt failed), `POST /logout`, and `/setup-password` (the link an
/// admin sends to a new user). The analyst's real tool is the `da` CLI; these pages only bridge to it.
/// The pages' markup is in `templates` (Web/Resources/Templates); this type only decides which page and its values.
struct WebController {
    let templates: WebTemplates
    let users: UserRepository
    let passwords: PasswordHasher
    let links: SignInLinks
    let tokens: TokenService
    let authentication: AuthenticationMiddleware
    let googleConfigured: Bool
    let publicURL: String?
    let tokenLifetime: Duration

    /// What `/login?error=<code>` says.
    static let loginErrors: [String: String] = [
        "google_not_configured": "Google sign-in is not configured on this server.",
        "oauth_failed": "Google sign-in did not complete. Please try again.",
        "no_email": "Google did not share an email address for this account.",
        "email_not_verified": "This Google account's email address is not verified.",
        "domain_not_allowed": "Accounts from your email domain may not sign in here.",
        "invalid_link": "This sign-in link is invalid, expired or already used. Ask for a new one.",
    ]

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/") { request, _ in try await home(request) }
        router.get("login") { request, _ in try login(request) }
        router.post("logout") { request, _ in try await logout(request) }
        router.get("setup-password") { request, _ in try setupForm(request) }
        router.post("setup-password") { request, context in try await setupPassword(request, context: context) }
    }

    func home(_ request: Request) async throws -> Response {
        guard let (token, _) = AuthenticationMiddleware.token(from: request),
            let (user, _) = try? await authentication.authenticate(token)
        else { return Response(status: .found, headers: [.location: "/login"]) }
        return try templates.response(
            .home,
            ["name": user.name ?? user.email, "email": user.email, "role": user.role.rawValue, "server": baseURL(request)])
    }

    func login(_ request: Request) throws -> Response {
        var values: [String: Any] = ["google": googleConfigured, "server": baseURL(request)]
        if let code = request.uri.queryParameters["error"].map(String.init) {
            values["error"] = WebController.loginErrors[code] ?? "Sign-in failed (\(code))."
        }
        return try templates.response(.login, values)
    }

    /// Revokes the browser's session token and clears the cookie.
    func logout(_ request: Request) async throws -> Response {
        guard AuthenticationMiddleware.isSameOriginOrSafe(request) else {
            return try templates.response(.logoutRefused, status: .forbidden)
        }
        if let (token, _) = AuthenticationMiddleware.token(from: request),
            let (user, credential) = try? await authentication.authenticate(token),
            case .accessToken(let claims) = credential
        {
            try await users.revokeToken(jti: claims.jti.value, userID: user.id, expiresAt: claims.exp.value)
        }
        var response = Response(status: .found, headers: [.location: "/login"])
        response.setCookie(SessionCookie.expired(name: "access_token", path: "/", publicURL: publicURL))
        return response
    }

    func setupForm(_ request: Request, error: String? = nil, status: HTTPResponse.Status = .ok) throws -> Response {
        let query = request.uri.queryParameters
        let email = query["email"].map(String.init) ?? ""
        let token = query["token"].map(String.init) ?? ""
        return try setupFormPage(email: email, token: token, error: error, status: status)
    }

    private func setupFormPage(email: String, token: String, error: String?, status: HTTPResponse.Status) throws -> Response {
        guard !email.isEmpty, !token.isEmpty else {
            return try templates.response(.setupPasswordIncomplete, status: .badRequest)
        }
        var values: [String: Any] = ["email": email, "token": token, "minimumLength": PasswordHasher.minimumLength]
        if let error { values["error"] = error }
        return try templates.response(.setupPassword, values, status: status)
    }

    /// The form's answer: the same checks as `POST /auth/password/setup`; success signs the browser in.
    func setupPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let fields = try await request.formFields()
        let email = fields["email"] ?? "", token = fields["token"] ?? "", password = fields["password"] ?? ""
        guard password == fields["confirm"] else {
            return try setupFormPage(
                email: email, token: token, error: "The two passwords differ.", status: .unprocessableContent)
        }
        let user: User
        do {
            user = try await PasswordSetup(users: users, links: links, passwords: passwords)
                .complete(email: email, token: token, password: password)
        } catch PasswordError.tooShort(let minimum) {
            return try setupFormPage(
                email: email, token: token, error: "Use at least \(minimum) characters.", status: .unprocessableContent)
        } catch let error as APIError where error.detail == PasswordSetup.invalidLink.detail {
            return try templates.response(.setupPasswordInvalid, status: .badRequest)
        }
        context.identity.userID = user.id
        var response = try templates.response(.passwordSet, ["server": baseURL(request)])
        response.setCookie(
            SessionCookie.signedIn(
                token: try await tokens.issue(for: user, users: users), lifetime: tokenLifetime, publicURL: publicURL))
        return response
    }

    private func baseURL(_ request: Request) -> String {
        PublicLinks.url(publicURL: publicURL, request: request, path: "", query: [])
    }
}
