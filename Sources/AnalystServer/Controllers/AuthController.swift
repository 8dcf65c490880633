import AnalystCore
import Foundation
import Hummingbird

/// `/auth/*`: first-admin bootstrap, password login and who-am-I.
struct AuthController {
    let users: UserRepository
    let passwords: PasswordHasher
    let tokens: TokenService

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
        group.post("token") { request, _ in try await login(request) }
        group.post("password/login") { request, _ -> PasswordLoginResponse in
            let response = try await login(request)
            return PasswordLoginResponse(access_token: response.access_token, email: response.email, role: response.role)
        }
        authenticated.post("logout") { _, context -> MessageResponse in
            let user = try context.requireUser()
            if let token = context.token {
                try await users.revokeToken(jti: token.jti.value, userID: user.id, expiresAt: token.exp.value)
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
        guard User.isValidEmail(email) else {
            throw APIError(.unprocessableContent, IdentityError.invalidEmail(body.email).description)
        }
        var hash: String?
        if let password = body.password, !password.isEmpty {
            guard password.count >= PasswordHasher.minimumLength else {
                throw APIError(.unprocessableContent, PasswordError.tooShort(minimum: PasswordHasher.minimumLength).description)
            }
            hash = try await passwords.hash(password)
        }
        let name = body.name.flatMap { $0.isEmpty ? nil : $0 } ?? String(email.prefix { $0 != "@" })
        do {
            let user = try await users.bootstrapAdmin(email: email, name: name, passwordHash: hash)
            return try await tokenResponse(for: user)
        } catch let error as IdentityError {
            throw APIError(.forbidden, error.description)
        }
    }

    /// Password login: unknown email, missing password hash and wrong password all give the same 401.
    func login(_ request: Request) async throws -> TokenResponse {
        let body = try await request.decodeJSON(LoginRequest.self)
        let user = try await users.find(email: body.email)
        let matches = await passwords.verify(body.password, against: user?.passwordHash ?? AuthController.decoyHash)
        guard let user, user.passwordHash != nil, matches else {
            throw APIError(.unauthorized, "Invalid email or password")
        }
        return try await tokenResponse(for: user)
    }
}
