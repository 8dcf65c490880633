import AnalystAPI
import ArgumentParser

/// Who `users add` and `add-user` create: the email, a display name and a role.
struct NewUserOptions: ParsableArguments {
    @Argument(help: "The user's email.")
    var email: String

    @Option(help: "Display name (default: the part of the email before @).")
    var name: String?

    @Option(help: "viewer, analyst, km_admin or admin.")
    var role = Schemas.Role.analyst.rawValue

    func validate() throws {
        _ = try Schemas.Role.argument(role)
    }

    /// The contract's request for this user, with `password` (`nil`: none).
    func request(password: String?) -> Schemas.CreateUserRequest {
        Schemas.CreateUserRequest(email: email, name: name, role: Schemas.Role(rawValue: role), password: password)
    }
}

extension Schemas.Role {
    /// The role called `text`; a usage error naming the roles when there is none.
    static func argument(_ text: String) throws -> Schemas.Role {
        guard let role = Schemas.Role(rawValue: text) else {
            let roles = Schemas.Role.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("the role must be one of \(roles), not \"\(text)\"")
        }
        return role
    }
}
