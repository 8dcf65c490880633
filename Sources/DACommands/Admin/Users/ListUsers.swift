import ArgumentParser

extension Admin.Users {
    /// `da admin users list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List every user.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let users = try await options.adminClient().users()
                if options.json { return JSONOutput.print(users) }
                TextTable.print(
                    ["ID", "EMAIL", "NAME", "ROLE", "CREATED"],
                    users.value.map { [$0.id, $0.email, $0.name ?? "", $0.role.rawValue, $0.createdAt.map(TextTable.time) ?? ""] },
                    empty: "No users.")
            }
        }
    }
}
