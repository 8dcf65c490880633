import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird
import Logging
import Messaging

/// `/api/users` (admin only): list, create, change name or role, delete.
struct UsersController {
    let users: UserRepository
    let passwords: PasswordHasher
    let links: SignInLinks
    let publicURL: String?
    let mailer: Mailer
    let logger: Logger

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get { _, _ -> WireResponse<[Schemas.User]> in
            WireResponse(try await users.list().map(Schemas.User.init))
        }
        group.post { request, _ -> WireResponse<Schemas.User> in
            let body = try await request.decodeJSON(Schemas.CreateUserRequest.self)
            let user = try await create(
                email: body.email, name: body.name, role: body.role.map(Role.init) ?? .analyst, password: body.password)
            return WireResponse(.init(user), status: .created)
        }
        group.patch(":id") { request, context -> WireResponse<Schemas.User> in
            let id = try context.parameters.require("id")
            let body = try await request.decodeJSON(Schemas.UpdateUserRequest.self)
            let user = try await users.update(id: id, name: body.name, role: body.role.map(Role.init))
            return WireResponse(.init(user))
        }
        group.post(":id/setup-link") { request, context -> WireResponse<Schemas.SetupLink> in
            let id = try context.parameters.require("id")
            let sendEmail =
                try await request.decodeOptionalJSON(Schemas.SetupLinkRequest.self)?.sendEmail ?? mailer.isConfigured
            return WireResponse(try await setupLink(for: id, request: request, sendEmail: sendEmail), status: .created)
        }
        group.delete(":id") { _, context -> HTTPResponse.Status in
            let id = try context.parameters.require("id")
            try await users.delete(id: id)
            return .noContent
        }
    }

    /// A new user (email normalised and checked, name defaulting to the email's local part, the password hashed when
    /// given); 409 when the email is taken.
    func create(email text: String, name: String?, role: Role, password: String?) async throws -> User {
        let email = User.normalizeEmail(text)
        guard User.isValidEmail(email) else { throw IdentityError.invalidEmail(text) }
        let hash = try await password.flatMap { $0.isEmpty ? nil : $0 }.asyncMap(passwords.hashNewPassword)
        let name = name.flatMap { $0.isEmpty ? nil : $0 } ?? String(email.prefix { $0 != "@" })
        return try await users.create(email: email, name: name, role: role, passwordHash: hash)
    }

    /// A new one-time setup link for user `id` (72 hours), mailed when `sendEmail`; whether the mail went out.
    func setupLink(for id: String, request: Request, sendEmail: Bool) async throws -> Schemas.SetupLink {
        guard let user = try await users.find(id: id) else { throw APIError(.notFound, "User not found") }
        let (secret, expiresAt) = try await links.create(userID: user.id, purpose: .setup)
        let link = PublicLinks.url(
            publicURL: publicURL, request: request, path: "/setup-password", query: [("email", user.email), ("token", secret)])
        var emailError: String?
        if sendEmail {
            do {
                try await mailer.send(
                    to: user.email, subject: "Set your AI Data Analyst password",
                    body: "Hello \(user.name ?? user.email),\n\nan administrator created an account for you. Choose your "
                        + "password with this link (valid for 72 hours, once):\n\n\(link)\n\nThen connect the CLI with "
                        + "`da auth login`.\n")
            } catch {
                logger.error("could not email a setup link", metadata: ["user": "\(user.email)", "error": "\(error)"])
                emailError = "\(error)"
            }
        }
        return .init(
            userId: user.id, email: user.email, token: secret, link: link, expiresAt: expiresAt,
            emailed: sendEmail && emailError == nil, emailError: emailError)
    }
}
