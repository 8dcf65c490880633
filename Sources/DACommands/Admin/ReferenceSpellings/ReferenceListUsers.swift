import ArgumentParser

extension Admin {
    /// `da admin list-users`, the reference CLI's spelling of `users list` with its output (hidden).
    struct ReferenceListUsers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list-users", abstract: "List users (same as: da admin users list).", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let users = try await options.adminClient().users()
                if options.json { return JSONOutput.print(users) }
                for user in users.value {
                    let email = TextTable.pad(user.email, 30)
                    let role = TextTable.pad(user.role.rawValue, 10)
                    print("  \(email) role=\(role) id=\(user.id.prefix(8))")
                }
            }
        }
    }
}
