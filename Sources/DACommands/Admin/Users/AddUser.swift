import AnalystAPI
import ArgumentParser

extension Admin.Users {
    /// `da admin users add`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a user.",
            discussion: "Without --password-stdin the user has no password: they sign in with Google or an emailed link.")

        @OptionGroup var options: ServerOptions

        @OptionGroup var user: NewUserOptions

        @Flag(help: "Read the user's password (at least 10 characters) from standard input.")
        var passwordStdin = false

        func run() async throws {
            let password = try Terminal.passwordFromStandardInput(passwordStdin)
            try await reportingAdminErrors {
                let created = try await options.adminClient().createUser(user.request(password: password))
                if options.json { return JSONOutput.print(created) }
                Admin.printCreated(created.value)
            }
        }
    }
}

extension Admin {
    /// `Created user: EMAIL (id: ID, role: ROLE)`, the reference's line.
    static func printCreated(_ user: Schemas.User) {
        print("Created user: \(user.email) (id: \(user.id), role: \(user.role.rawValue))")
    }
}
