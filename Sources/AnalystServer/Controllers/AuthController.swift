import AnalystCore
import Foundation
import Hummingbird

/// `/auth/*`: first-admin bootstrap, password login and who-am-I.
struct AuthController {
    let users: UserRepository
    let passwords: PasswordHasher
    let tokens: TokenService
    let accessTokens: PersonalAccessTokens
    let loginLimiter: LoginRateLimiter
    let links: SignInLinks

    struct PasswordSetupRequest: Decodable {
        var email: String
        var token: String
        var password: String
    }

    struct PasswordSetupResponse: ResponseEncodable {
        var access_token: String
        var token_type = "bearer"
        var message = "Password set successfully"
    }

    /// Verified when the email is unknown, so unknown users and wrong passwords cost the same time.
    static let decoyHash =
        "$argon2id$v=19$m=65536,t=3,p=4$b8Xlx5joGVtE8si6wnzyQA$mU6fIn0Ax0YAnO8KiTU+WGMUkRNbDVaPR1lrBYR3L20"

    struct BootstrapRequest: Decodable {
        var email: String
        var name: String?
        var password: String?
    }

    struct LoginRequest: Decodable {
        var email: String
        var password: String
    }

    /// `/auth/bootstrap` and `/auth/token` answer with this shape (the reference's).
    struct TokenResponse: ResponseEncodable {
        var access_token: String
        var token_type = "bearer"
        var user_id: String
        var email: String
        var role: Role
    }

    /// `/auth/password/login` omits `user_id`, as the reference did.
    struct PasswordLoginResponse: ResponseEncodable {
        var access_token: String
        var token_type = "bearer"
        var email: String
        var role: Role
    }

    struct MessageResponse: ResponseEncodable {
        var message: String
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>, authenticated: RouterGroup<AppRequestContext>) {
        group.post("bootstrap") { request, _ in try await bootstrap(request) }
        group.post("token") { request, context in try await login(request, from: context.clientAddress) }
        group.post("password/login") { request, context -> PasswordLoginResponse in
            let response = try await login(request, from: context.clientAddress)
            return PasswordLoginResponse(access_token: response.access_token, email: response.email, role: response.role)
        }
        group.post("password/setup") { request, _ -> PasswordSetupResponse in
            let body = try await request.decodeJSON(PasswordSetupRequest.self)
            // Checked before the link is used up, so a too-short password does not burn it.
            guard body.password.count >= PasswordHasher.minimumLength else {
                throw PasswordError.tooShort(minimum: PasswordHasher.minimumLength)
            }
            // One answer for an unknown email and a bad token, so the endpoint does not reveal who has an account.
            let invalid = APIError(.badRequest, "Invalid or expired setup token")
            guard let user = try await users.find(email: body.email) else { throw invalid }
            guard try await links.redeem(secret: body.token, purpose: .setup, userID: user.id) != nil else { throw invalid }
            try await users.setPassword(id: user.id, hash: try await passwords.hashNewPassword(body.password))
            return PasswordSetupResponse(access_token: try await tokenResponse(for: user).access_token)
        }
        authenticated.post("logout") { _, context -> MessageResponse in
            let user = try context.requireUser()
            switch context.credential {
            case .accessToken(let claims):
                try await users.revokeToken(jti: claims.jti.value, userID: user.id, expiresAt: claims.exp.value)
            case .personalAccessToken(let secret):
                try await accessTokens.revoke(secret: secret)
            case nil:
                break
            }
            return MessageResponse(message: "Logged out")
        }
        authenticated.get("me") { _, context -> UserResponse in
            UserResponse(try context.requireUser())
        }
    }

    func tokenResponse(for user: User) async throws -> TokenResponse {
        let generation = try await users.tokenGeneration(userID: user.id)
        return TokenResponse(
            access_token: try await tokens.issue(for: user, generation: generation), user_id: user.id, email: user.email,
            role: user.role)
    }

    func bootstrap(_ request: Request) async throws -> TokenResponse {
        let body = try await request.decodeJSON(BootstrapRequest.self)
        let email = User.normalizeEmail(body.email)
        guard User.isValidEmail(email) else { throw IdentityError.invalidEmail(body.email) }
        let hash = try await body.password.flatMap { $0.isEmpty ? nil : $0 }.asyncMap(passwords.hashNewPassword)
        let name = body.name.flatMap { $0.isEmpty ? nil : $0 } ?? String(email.prefix { $0 != "@" })
        let user = try await users.bootstrapAdmin(email: email, name: name, passwordHash: hash)
        return try await tokenResponse(for: user)
    }

    /// Password login: unknown email, missing password hash and wrong password all give the same 401, after the
    /// same argon2 work. Repeated failures per email or per client address answer 429 with `Retry-After`.
    func login(_ request: Request, from clientAddress: String) async throws -> TokenResponse {
        let body = try await request.decodeJSON(LoginRequest.self)
        let emailKey = "email:" + User.normalizeEmail(body.email)
        let keys = [emailKey, "address:" + clientAddress]
        if let wait = await loginLimiter.retryAfter(keys: keys) {
            let seconds = max(1, Int(wait.components.seconds) + 1)
            throw RateLimitedError(retryAfterSeconds: seconds)
        }
        let user = try await users.find(email: body.email)
        let matches = await passwords.verify(body.password, against: user?.passwordHash ?? AuthController.decoyHash)
        guard let user, user.passwordHash != nil, matches else {
            await loginLimiter.recordFailure(keys: keys)
            throw APIError(.unauthorized, "Invalid email or password")
        }
        await loginLimiter.reset(key: emailKey)
        return try await tokenResponse(for: user)
    }
}

/// 429 with `Retry-After` and a `{"detail"}` body.
struct RateLimitedError: HTTPResponseError {
    let retryAfterSeconds: Int
    var status: HTTPResponse.Status { .tooManyRequests }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try APIError(status, "Too many failed login attempts; try again in \(retryAfterSeconds) seconds")
            .response(from: request, context: context)
        response.headers[.retryAfter] = String(retryAfterSeconds)
        return response
    }
}
