import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird
import Logging
import Messaging

/// `/auth/*`: first-admin bootstrap, password login and who-am-I.
struct AuthController {
    let users: UserRepository
    let passwords: PasswordHasher
    let tokens: TokenService
    let accessTokens: PersonalAccessTokens
    let loginLimiter: RateLimiter
    let linkLimiters: (perEmail: RateLimiter, perAddress: RateLimiter)
    let links: SignInLinks
    let outbox: MailOutbox
    let publicURL: String?
    let tokenLifetime: Duration

    /// Verified when the email is unknown, so unknown users and wrong passwords cost the same time.
    static let decoyHash =
        "$argon2id$v=19$m=65536,t=3,p=4$b8Xlx5joGVtE8si6wnzyQA$mU6fIn0Ax0YAnO8KiTU+WGMUkRNbDVaPR1lrBYR3L20"

    func addRoutes(to group: RouterGroup<AppRequestContext>, authenticated: RouterGroup<AppRequestContext>) {
        group.post("bootstrap") { request, context in try await bootstrap(request, context: context) }
        group.post("token") { request, context in try await login(request, context: context) }
        group.post("password/login") { request, context -> WireResponse<Schemas.LoginGrant> in
            let grant = try await login(request, context: context).body
            return WireResponse(.init(accessToken: grant.accessToken, tokenType: .bearer, email: grant.email, role: grant.role))
        }
        group.post("password/setup") { request, context -> WireResponse<Schemas.PasswordSetupGrant> in
            let body = try await request.decodeJSON(Schemas.PasswordSetupRequest.self)
            let user = try await PasswordSetup(users: users, links: links, passwords: passwords)
                .complete(email: body.email, token: body.token, password: body.password)
            return WireResponse(
                .init(
                    accessToken: try await signIn(user, context: context).body.accessToken, tokenType: .bearer,
                    message: "Password set successfully"))
        }
        group.post("email/send-link") { request, context -> WireResponse<Schemas.Message> in
            let body = try await request.decodeJSON(Schemas.LoginLinkRequest.self)
            try await sendLoginLink(to: body.email, request: request, context: context)
            return WireResponse(.init(message: "If this email is registered, you will receive a login link."))
        }
        group.post("email/verify") { request, context -> WireResponse<Schemas.LoginGrant> in
            let body = try await request.decodeJSON(Schemas.LoginLinkVerification.self)
            guard let user = try await redeemLoginLink(email: body.email, token: body.token) else {
                throw APIError(.unauthorized, "Invalid or expired link")
            }
            let grant = try await signIn(user, context: context).body
            return WireResponse(.init(accessToken: grant.accessToken, tokenType: .bearer, email: user.email, role: .init(user.role)))
        }
        // The link in the email: a click signs the browser in (cookie) and lands on the home page.
        group.get("email/verify") { request, context -> Response in
            let query = request.uri.queryParameters
            guard let email = query["email"].map(String.init), let token = query["token"].map(String.init),
                let user = try await redeemLoginLink(email: email, token: token)
            else {
                return Response(status: .found, headers: [.location: "/login?error=invalid_link"])
            }
            let accessToken = try await signIn(user, context: context).body.accessToken
            var response = Response(status: .found, headers: [.location: "/"])
            response.setCookie(SessionCookie.signedIn(token: accessToken, lifetime: tokenLifetime, publicURL: publicURL))
            return response
        }
        authenticated.post("logout") { _, context -> WireResponse<Schemas.Message> in
            let user = try context.requireUser()
            switch context.credential {
            case .accessToken(let claims):
                try await users.revokeToken(jti: claims.jti.value, userID: user.id, expiresAt: claims.exp.value)
            case .personalAccessToken(let secret):
                try await accessTokens.revoke(secret: secret)
            case nil:
                break
            }
            return WireResponse(.init(message: "Logged out"))
        }
        authenticated.get("me") { _, context -> WireResponse<Schemas.User> in
            WireResponse(.init(try context.requireUser()))
        }
    }

    /// Mails a one-hour sign-in link to `email` if it is a user's; the same outcome (and timing) either way, so
    /// nothing reveals accounts. Rate-limited per email and per client address (429 past the limit).
    func sendLoginLink(to email: String, request: Request, context: AppRequestContext) async throws {
        // Counted whether or not the email exists, so a 429 reveals nothing about accounts.
        let emailKey = ["email:" + User.normalizeEmail(email)], addressKey = ["address:" + context.clientAddress]
        let wait = [
            await linkLimiters.perEmail.retryAfter(keys: emailKey),
            await linkLimiters.perAddress.retryAfter(keys: addressKey),
        ].compactMap { $0 }.max()
        if let wait { throw RateLimitedError(retryAfter: wait, what: "Too many sign-in links requested") }
        await linkLimiters.perEmail.record(keys: emailKey)
        await linkLimiters.perAddress.record(keys: addressKey)
        guard let user = try await users.find(email: email) else { return }
        let (secret, _) = try await links.create(userID: user.id, purpose: .login)
        let link = PublicLinks.url(
            publicURL: publicURL, request: request, path: "/auth/email/verify", query: [("email", user.email), ("token", secret)])
        // Sent by the outbox: the answer (and its timing) is the same whether or not the email exists.
        outbox.enqueue(
            OutboundMail(
                to: user.email, subject: "Your sign-in link",
                body: "Sign in to AI Data Analyst with this link (valid for one hour, once):\n\n\(link)\n\n"
                    + "If you did not ask for it, ignore this email.\n",
                purpose: "sign-in link"))
    }

    /// The user a login link belongs to, if it is valid, unexpired and unused (it is used up now).
    func redeemLoginLink(email: String, token: String) async throws -> User? {
        guard let user = try await users.find(email: email),
            try await links.redeem(secret: token, purpose: .login, userID: user.id) != nil
        else { return nil }
        return user
    }

    /// A token for `user`; the request is recorded in the audit log as theirs.
    func signIn(_ user: User, context: AppRequestContext) async throws -> WireResponse<Schemas.TokenGrant> {
        context.identity.userID = user.id
        return WireResponse(
            .init(
                accessToken: try await tokens.issue(for: user, users: users), tokenType: .bearer, userId: user.id,
                email: user.email, role: .init(user.role)))
    }

    func bootstrap(_ request: Request, context: AppRequestContext) async throws -> WireResponse<Schemas.TokenGrant> {
        let body = try await request.decodeJSON(Schemas.BootstrapRequest.self)
        let email = User.normalizeEmail(body.email)
        guard User.isValidEmail(email) else { throw IdentityError.invalidEmail(body.email) }
        let hash = try await body.password.flatMap { $0.isEmpty ? nil : $0 }.asyncMap(passwords.hashNewPassword)
        let name = body.name.flatMap { $0.isEmpty ? nil : $0 } ?? String(email.prefix { $0 != "@" })
        let user = try await users.bootstrapAdmin(email: email, name: name, passwordHash: hash)
        return try await signIn(user, context: context)
    }

    /// Password login: unknown email, missing password hash and wrong password all give the same 401, after the
    /// same argon2 work. Repeated failures per email or per client address answer 429 with `Retry-After`.
    func login(_ request: Request, context: AppRequestContext) async throws -> WireResponse<Schemas.TokenGrant> {
        let body = try await request.decodeJSON(Schemas.LoginRequest.self)
        return try await signIn(try await checkPassword(email: body.email, password: body.password, context: context), context: context)
    }

    /// The user whose email and password these are; 401 `Invalid email or password` otherwise, 429 after repeated
    /// failures.
    func checkPassword(email: String, password: String, context: AppRequestContext) async throws -> User {
        let emailKey = "email:" + User.normalizeEmail(email)
        let keys = [emailKey, "address:" + context.clientAddress]
        if let wait = await loginLimiter.retryAfter(keys: keys) {
            throw RateLimitedError(retryAfter: wait, what: "Too many failed login attempts")
        }
        let user = try await users.find(email: email)
        let matches = await passwords.verify(password, against: user?.passwordHash ?? AuthController.decoyHash)
        guard let user, user.passwordHash != nil, matches else {
            await loginLimiter.record(keys: keys)
            throw APIError(.unauthorized, "Invalid email or password")
        }
        await loginLimiter.reset(key: emailKey)
        return user
    }
}

/// 429 with `Retry-After` and a `{"detail"}` body saying what was refused and when to try again.
struct RateLimitedError: HTTPResponseError, CustomStringConvertible {
    let retryAfterSeconds: Int
    let what: String
    var status: HTTPResponse.Status { .tooManyRequests }
    var description: String { "\(what); try again in \(retryAfterSeconds) seconds" }

    init(retryAfter wait: Duration, what: String) {
        self.retryAfterSeconds = max(1, Int(wait.components.seconds) + 1)
        self.what = what
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try APIError(status, description).response(from: request, context: context)
        response.headers[.retryAfter] = String(retryAfterSeconds)
        return response
    }
}
