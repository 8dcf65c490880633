import AnalystCore
import Foundation
import Hummingbird
import Logging

/// `/api/users` (admin only): list, create, change name or role, delete.
struct UsersController {
    let users: UserRepository
    let passwords: PasswordHasher
    let links: SignInLinks
    let publicURL: String?
    let mailer: Mailer
    let logger: Logger

    struct SetupLinkRequest: Decodable {
        /// Email the link to the user; default: when email is configured.
        var send_email: Bool?
    }

    struct SetupLinkResponse: ResponseEncodable {
        var user_id: String
        var email: String
        var token: String
        var link: String
        var expires_at: String
        /// Whether the link was emailed to the user.
        var emailed: Bool
        /// Why emailing failed, when it was asked for and failed (the link itself is valid either way).
        var email_error: String?
    }

    struct CreateRequest: Decodable {
        var email: String
        var name: String?
        var role: String?
        var password: String?
    }

    struct UpdateRequest: Decodable {
        var name: String?
        var role: String?
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get { _, _ -> [UserResponse] in
            try await users.list().map(UserResponse.init)
        }
        group.post { request, _ -> EditedResponse<UserResponse> in
            let body = try await request.decodeJSON(CreateRequest.self)
            let role = try UsersController.role(body.role ?? Role.analyst.rawValue)
            let email = User.normalizeEmail(body.email)
            guard User.isValidEmail(email) else { throw IdentityError.invalidEmail(body.email) }
            let hash = try await body.password.flatMap { $0.isEmpty ? nil : $0 }.asyncMap(passwords.hashNewPassword)
            let name = body.name.flatMap { $0.isEmpty ? nil : $0 } ?? String(email.prefix { $0 != "@" })
            let user = try await users.create(email: email, name: name, role: role, passwordHash: hash)
            return EditedResponse(status: .created, response: UserResponse(user))
        }
        group.patch(":id") { request, context -> UserResponse in
            let id = try context.parameters.require("id")
            let body = try await request.decodeJSON(UpdateRequest.self)
            let role = try body.role.map(UsersController.role)
            let user = try await users.update(id: id, name: body.name, role: role)
            return UserResponse(user)
        }
        group.post(":id/setup-link") { request, context -> EditedResponse<SetupLinkResponse> in
            let id = try context.parameters.require("id")
            let sendEmail = try await request.decodeOptionalJSON(SetupLinkRequest.self)?.send_email ?? mailer.isConfigured
            guard let user = try await users.find(id: id) else { throw APIError(.notFound, "User not found") }
            let (secret, expiresAt) = try await links.create(userID: user.id, purpose: .setup)
            let link = PublicLinks.url(
                publicURL: publicURL, request: request, path: "/setup-password",
                query: [("email", user.email), ("token", secret)])
            var emailError: String?
            if sendEmail {
                do {
                    try await mailer.send(
                        to: user.email, subject: "Set your AI Data Analyst password",
                        body: "Hello \(user.name ?? user.email),\n\nan administrator created an account for you. Choose your "
                            + "password with this link (valid for 72 hours, once):\n\n\(link)\n\nThen connect the CLI with "
                            + "`da login`.\n")
                } catch {
                    logger.error("could not email a setup link", metadata: ["user": "\(user.email)", "error": "\(error)"])
                    emailError = "\(error)"
                }
            }
            return EditedResponse(
                status: .created,
                response: SetupLinkResponse(
                    user_id: user.id, email: user.email, token: secret, link: link,
                    expires_at: expiresAt.apiTimestamp, emailed: sendEmail && emailError == nil, email_error: emailError))
        }
        group.delete(":id") { _, context -> HTTPResponse.Status in
            let id = try context.parameters.require("id")
            try await users.delete(id: id)
            return .noContent
        }
    }

    /// A role name from a request; unknown names are refused with 422 listing the accepted ones.
    static func role(_ name: String) throws -> Role {
        guard let role = Role(rawValue: name) else { throw IdentityError.unknownRole(name) }
        return role
    }
}
