import AnalystCore
import Foundation
import Hummingbird
import Logging

/// The pages a browser reaches from emails and sign-in redirects: `/` (who is signed in, how to connect the CLI),
/// `/login` (sign-in options and why the last attempt failed), `POST /logout`, and `/setup-password` (the link an
/// admin sends to a new user). The analyst's real tool is the `da` CLI; these pages only bridge to it.
struct WebController {
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
        router.get("login") { request, _ in login(request) }
        router.post("logout") { request, _ in try await logout(request) }
        router.get("setup-password") { request, _ in setupForm(request) }
        router.post("setup-password") { request, context in try await setupPassword(request, context: context) }
    }

    func home(_ request: Request) async throws -> Response {
        guard let (token, _) = AuthenticationMiddleware.token(from: request),
            let (user, _) = try? await authentication.authenticate(token)
        else { return Response(status: .found, headers: [.location: "/login"]) }
        let server = HTMLPage.escape(baseURL(request))
        return HTMLPage.response(
            title: "Signed in",
            body: """
                <p>You are signed in as <strong>\(HTMLPage.escape(user.name ?? user.email))</strong>
                (\(HTMLPage.escape(user.email)), role <code>\(user.role.rawValue)</code>).</p>
                <p>Connect the analyst CLI to this server:</p>
                <p><code>da login --server \(server)</code></p>
                <form method="post" action="/logout"><button type="submit">Sign out</button></form>
                """)
    }

    func login(_ request: Request) -> Response {
        var body = ""
        if let code = request.uri.queryParameters["error"].map(String.init) {
            let message = WebController.loginErrors[code] ?? "Sign-in failed (\(code))."
            body += "<p class=\"error\">\(HTMLPage.escape(message))</p>\n"
        }
        if googleConfigured {
            body += "<p><a class=\"button\" href=\"/auth/google/login\">Sign in with Google</a></p>\n"
        }
        body += """
            <p class="note">Analysts work from the <code>da</code> CLI: <code>da login --server \(HTMLPage.escape(baseURL(request)))</code>.
            New users get a link from their administrator to choose a password.</p>
            """
        return HTMLPage.response(title: "Sign in", body: body)
    }

    /// Revokes the browser's session token and clears the cookie.
    func logout(_ request: Request) async throws -> Response {
        guard AuthenticationMiddleware.isSameOriginOrSafe(request) else {
            return HTMLPage.response(status: .forbidden, title: "Not signed out", body: "<p>Cross-site request refused.</p>")
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

    func setupForm(_ request: Request, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let query = request.uri.queryParameters
        let email = query["email"].map(String.init) ?? ""
        let token = query["token"].map(String.init) ?? ""
        return setupFormPage(email: email, token: token, error: error, status: status)
    }

    private func setupFormPage(email: String, token: String, error: String?, status: HTTPResponse.Status) -> Response {
        guard !email.isEmpty, !token.isEmpty else {
            return HTMLPage.response(
                status: .badRequest, title: "Set your password",
                body: "<p class=\"error\">This link is incomplete. Open the whole link from your email.</p>")
        }
        let errorHTML = error.map { "<p class=\"error\">\(HTMLPage.escape($0))</p>\n" } ?? ""
        return HTMLPage.response(
            status: status, title: "Set your password",
            body: """
                \(errorHTML)<form method="post" action="/setup-password">
                <input type="hidden" name="email" value="\(HTMLPage.escape(email))">
                <input type="hidden" name="token" value="\(HTMLPage.escape(token))">
                <p>Account: <strong>\(HTMLPage.escape(email))</strong></p>
                <label for="password">New password (at least \(PasswordHasher.minimumLength) characters)</label>
                <input id="password" name="password" type="password" autocomplete="new-password" required minlength="\(PasswordHasher.minimumLength)">
                <label for="confirm">Repeat it</label>
                <input id="confirm" name="confirm" type="password" autocomplete="new-password" required>
                <button type="submit">Set password</button>
                </form>
                """)
    }

    /// The form's answer: the same checks as `POST /auth/password/setup`; success signs the browser in.
    func setupPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let fields = try await request.formFields()
        let email = fields["email"] ?? "", token = fields["token"] ?? "", password = fields["password"] ?? ""
        guard password == fields["confirm"] else {
            return setupFormPage(email: email, token: token, error: "The two passwords differ.", status: .unprocessableContent)
        }
        let user: User
        do {
            user = try await PasswordSetup(users: users, links: links, passwords: passwords)
                .complete(email: email, token: token, password: password)
        } catch PasswordError.tooShort(let minimum) {
            return setupFormPage(
                email: email, token: token, error: "Use at least \(minimum) characters.", status: .unprocessableContent)
        } catch let error as APIError where error.detail == PasswordSetup.invalidLink.detail {
            return HTMLPage.response(
                status: .badRequest, title: "Set your password",
                body: "<p class=\"error\">This link is invalid, expired or already used. Ask your administrator for a new one.</p>")
        }
        context.identity.userID = user.id
        var response = HTMLPage.response(
            title: "Password set",
            body: """
                <p>Your password is set. Connect the analyst CLI with</p>
                <p><code>da login --server \(HTMLPage.escape(baseURL(request)))</code></p>
                <p><a class="button" href="/">Continue</a></p>
                """)
        response.setCookie(
            SessionCookie.signedIn(
                token: try await tokens.issue(for: user, users: users), lifetime: tokenLifetime, publicURL: publicURL))
        return response
    }

    private func baseURL(_ request: Request) -> String {
        PublicLinks.url(publicURL: publicURL, request: request, path: "", query: [])
    }
}
