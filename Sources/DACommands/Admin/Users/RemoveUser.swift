import ArgumentParser

extension Admin.Users {
    /// `da admin users remove`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Delete a user and revoke their tokens.", discussion: "Asks first on a terminal, unless --yes.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's id or email.")
        var user: String

        @OptionGroup var confirmation: ConfirmationOptions

        func run() async throws {
            try await Admin.removeUser(user, yes: confirmation.yes, options: options)
        }
    }
}

extension Admin {
    /// `users remove` and `remove-user`: finds the user by id, email or id prefix, asks on a terminal, deletes.
    static func removeUser(_ reference: String, yes: Bool, options: ServerOptions) async throws {
        try await reportingAdminErrors {
            let client = try options.adminClient()
            let found = try await client.user(reference)
            try Terminal.confirm("Delete user \(found.email) (\(found.id))?", yes: yes)
            try await client.deleteUser(id: found.id)
            if options.json { return try JSONOutput.print(Deleted(deleted: found.id, email: found.email)) }
            print("Deleted user \(found.email) (\(found.id)).")
        }
    }

    /// `--json` of a deleted user.
    struct Deleted: Encodable {
        let deleted: String
        let email: String
    }
}
