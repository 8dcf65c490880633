import ArgumentParser

extension Admin {
    /// `da admin add-user`, the reference CLI's spelling of `users add` (hidden).
    struct ReferenceAddUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-user", abstract: "Add a user (same as: da admin users add).", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        @OptionGroup var user: NewUserOptions

        func run() async throws {
            try await reportingAdminErrors {
                let created = try await options.adminClient().createUser(user.request(password: nil))
                if options.json { return JSONOutput.print(created) }
                Admin.printCreated(created.value)
            }
        }
    }
}
