import AnalystCore
import Hummingbird

/// `/api/users` (admin only): list, create, change name or role, delete.
struct UsersController {
    let users: UserRepository
    let passwords: PasswordHasher

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
            let user = try await mapErrors { try await users.create(email: email, name: name, role: role, passwordHash: hash) }
            return EditedResponse(status: .created, response: UserResponse(user))
        }
        group.patch(":id") { request, context -> UserResponse in
            let id = try context.parameters.require("id")
            let body = try await request.decodeJSON(UpdateRequest.self)
            let role = try body.role.map(UsersController.role)
            let user = try await mapErrors { try await users.update(id: id, name: body.name, role: role) }
            return UserResponse(user)
        }
        group.delete(":id") { _, context -> HTTPResponse.Status in
            let id = try context.parameters.require("id")
            try await mapErrors { try await users.delete(id: id) }
            return .noContent
        }
    }

    /// A role name from a request; unknown names are refused with 422 listing the accepted ones.
    static func role(_ name: String) throws -> Role {
        guard let role = Role(rawValue: name) else {
            throw APIError(.unprocessableContent, IdentityError.unknownRole(name).description)
        }
        return role
    }

    private func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IdentityError {
            switch error {
            case .emailTaken, .lastAdmin: throw APIError(.conflict, error.description)
            case .userNotFound: throw APIError(.notFound, error.description)
            case .invalidEmail, .unknownRole: throw APIError(.unprocessableContent, error.description)
            case .bootstrapDisabled: throw APIError(.forbidden, error.description)
            }
        }
    }
}
