import AnalystAPI
import ArgumentParser

extension Admin.Users {
    /// `da admin users set-role`.
    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Change a user's role.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's id or email.")
        var user: String

        @Argument(help: "viewer, analyst, km_admin or admin.")
        var role: String

        func validate() throws {
            _ = try Schemas.Role.argument(role)
        }

        func run() async throws {
            try await reportingAdminErrors {
                let client = try options.adminClient()
                let id = try await client.user(user).id
                let updated = try await client.updateUser(id: id, Schemas.UpdateUserRequest(role: Schemas.Role(rawValue: role)))
                if options.json { return JSONOutput.print(updated) }
                print("\(updated.value.email) is now \(updated.value.role.rawValue).")
            }
        }
    }
}
