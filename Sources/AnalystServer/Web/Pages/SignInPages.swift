import AnalystCore
import Foundation
import Hummingbird
import Logging

/// The pages before and around a session: `/` (to the dashboard or the sign-in page), `/login` (password, emailed
/// link and Google — only the configured ones), `POST /logout`, and `/setup-password` (the link an admin sends to
/// a new user). Sign-in goes through the same checks as the API (`AuthController`: rate limits, one answer for
/// unknown accounts and wrong passwords).
struct SignInPages {
    let ui: WebUI
    let auth: AuthController
    let authentication: AuthenticationMiddleware
    /// Which sign-in methods the page offers.
    let offersPassword: Bool
    let offersEmailLink: Bool
    let offersGoogle: Bool

    /// What `/login?error=<code>` says.
    static let loginErrors: [String: String] = [
        "google_not_configured": "Google sign-in is not configured on this server.",
        "oauth_failed": "Google sign-in did not complete. Please try again.",
        "no_email": "Google did not share an email address for this account.",
        "email_not_verified": "This Google account's email address is not verified.",
        "domain_not_allowed": "Accounts from your email domain may not sign in here.",
        "invalid_link": "This sign-in link is invalid, expired or already used. Ask for a new one.",
    ]

    /// What the sign-in page shows.
    struct LoginValues: Sendable {
        let password: Bool
        let emailLink: Bool
        let google: Bool
        let email: String
        let next: String?
        let server: String
    }

    /// What the password pages show.
    struct SetupValues: Sendable {
        let email: String
        let token: String
        let minimumLength: Int
    }

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.get("/") { request, _ in
            let signedIn = await session(request) != nil
            return Response(status: .found, headers: [.location: signedIn ? "/dashboard" : "/login", .cacheControl: "no-store"])
        }
        router.get("login") { request, context in
            if await session(request) != nil {
                return WebUI.redirect(to: LoginRedirect.safePath(request.pageQuery["next"]) ?? "/dashboard")
            }
            let code = request.pageQuery["error"]
            return try loginPage(
                request, context: context, problem: code.map { SignInPages.loginErrors[$0] ?? "Sign-in failed (\($0))." })
        }
        router.post("login") { request, context in try await passwordLogin(request, context: context) }
        router.post("login/email-link") { request, context in try await emailLink(request, context: context) }
        router.post("logout") { request, context in try await logout(request, context: context) }
        router.get("setup-password") { request, context in
            let query = request.pageQuery
            return try setupPage(
                email: query["email"] ?? "", token: query["token"] ?? "", request: request,
                context: context)
        }
        router.post("setup-password") { request, context in try await setupPassword(request, context: context) }
    }

    /// The signed-in user of a request, if its session is valid.
    func session(_ request: Request) async -> User? {
        guard let (token, _) = AuthenticationMiddleware.token(from: request) else { return nil }
        return try? await authentication.authenticate(token).0
    }

    func loginPage(
        _ request: Request, context: AppRequestContext, email: String = "", problem: String? = nil, notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let next = LoginRedirect.safePath(request.pageQuery["next"])
        return try ui.page(
            .login, title: "Sign in",
            LoginValues(
                password: offersPassword, emailLink: offersEmailLink, google: offersGoogle, email: email, next: next,
                server: auth.baseURL(request)),
            request: request, context: context, status: status, notice: notice, problem: problem)
    }

    /// The password form: a cookie session and on to `next` (or the dashboard); the form again with the reason
    /// otherwise. Refused cross-site (a login CSRF would sign the victim into the attacker's account).
    func passwordLogin(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard offersPassword else { throw APIError(.notFound, "Password sign-in is turned off on this server.") }
        guard AuthenticationMiddleware.isSameOriginOrSafe(request) else {
            throw APIError(.forbidden, "This form was sent from another site, so nothing was changed.")
        }
        var request = request
        let form = try await WebForm.read(from: &request)
        let email = form.text("email") ?? ""
        do {
            let user = try await auth.checkPassword(email: email, password: form["password"] ?? "", context: context)
            let token = try await auth.signIn(user, context: context).body.accessToken
            var response = WebUI.redirect(to: LoginRedirect.safePath(form["next"]) ?? "/dashboard")
            response.setCookie(SessionCookie.signedIn(token: token, lifetime: auth.tokenLifetime, publicURL: auth.publicURL))
            return response
        } catch let error as APIError {
            return try loginPage(request, context: context, email: email, problem: error.detail + ".", status: error.status)
        } catch let error as RateLimitedError {
            return try loginPage(request, context: context, email: email, problem: error.description + ".", status: error.status)
        }
    }

    /// The emailed-link form: always the same answer, so the page reveals no accounts.
    func emailLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard offersEmailLink else { throw APIError(.notFound, "Email sign-in links are not available on this server.") }
        guard AuthenticationMiddleware.isSameOriginOrSafe(request) else {
            throw APIError(.forbidden, "This form was sent from another site, so nothing was changed.")
        }
        var request = request
        let form = try await WebForm.read(from: &request)
        guard let email = form.text("email"), User.isValidEmail(User.normalizeEmail(email)) else {
            return try loginPage(
                request, context: context, problem: "Enter the email address of your account.", status: .unprocessableContent)
        }
        do {
            try await auth.sendLoginLink(to: email, request: request, context: context)
        } catch let error as RateLimitedError {
            return try loginPage(request, context: context, email: email, problem: error.description + ".", status: error.status)
        }
        return try ui.page(.loginLinkSent, title: "Check your email", ["email": email], request: request, context: context)
    }

    /// Revokes the browser's session token and clears the cookie.
    func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard AuthenticationMiddleware.isSameOriginOrSafe(request) else {
            return try ui.page(
                .logoutRefused, title: "Not signed out", [String: String](), request: request, context: context, status: .forbidden)
        }
        if let (token, _) = AuthenticationMiddleware.token(from: request),
            let (user, credential) = try? await authentication.authenticate(token),
            case .accessToken(let claims) = credential
        {
            try await auth.users.revokeToken(jti: claims.jti.value, userID: user.id, expiresAt: claims.exp.value)
        }
        var response = Response(status: .found, headers: [.location: "/login"])
        response.setCookie(SessionCookie.expired(name: "access_token", path: "/", publicURL: auth.publicURL))
        return response
    }

    private func setupPage(
        email: String, token: String, request: Request, context: AppRequestContext, problem: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        guard !email.isEmpty, !token.isEmpty else {
            return try ui.page(
                .setupPasswordIncomplete, title: "Incomplete link", [String: String](), request: request, context: context,
                status: .badRequest)
        }
        return try ui.page(
            .setupPassword, title: "Set your password",
            SetupValues(email: email, token: token, minimumLength: PasswordHasher.minimumLength), request: request,
            context: context, status: status, problem: problem)
    }

    /// The form's answer: the same checks as `POST /auth/password/setup`; success signs the browser in.
    func setupPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let form = try await WebForm.read(from: &request)
        let email = form["email"] ?? "", token = form["token"] ?? "", password = form["password"] ?? ""
        guard password == form["confirm"] else {
            return try setupPage(
                email: email, token: token, request: request, context: context, problem: "The two passwords differ.",
                status: .unprocessableContent)
        }
        let user: User
        do {
            user = try await PasswordSetup(users: auth.users, links: auth.links, passwords: auth.passwords)
                .complete(email: email, token: token, password: password)
        } catch PasswordError.tooShort(let minimum) {
            return try setupPage(
                email: email, token: token, request: request, context: context, problem: "Use at least \(minimum) characters.",
                status: .unprocessableContent)
        } catch let error as APIError where error.detail == PasswordSetup.invalidLink.detail {
            return try ui.page(
                .setupPasswordInvalid, title: "Link not valid", [String: String](), request: request, context: context, status: .badRequest)
        }
        let accessToken = try await auth.signIn(user, context: context).body.accessToken
        // The page is the first of the new session: its header shows the user, the navigation and sign-out.
        var signedIn = context
        signedIn.user = user
        signedIn.credential = await auth.tokens.verify(accessToken).map { .accessToken($0) }
        var response = try ui.page(
            .passwordSet, title: "Password set", ["server": auth.baseURL(request)], request: request, context: signedIn)
        response.setCookie(SessionCookie.signedIn(token: accessToken, lifetime: auth.tokenLifetime, publicURL: auth.publicURL))
        return response
    }
}

extension AuthController {
    /// This server's address as browsers reach it (the public URL when set).
    func baseURL(_ request: Request) -> String {
        PublicLinks.url(publicURL: publicURL, request: request, path: "", query: [])
    }
}
