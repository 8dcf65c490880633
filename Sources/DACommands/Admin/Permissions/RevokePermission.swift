import ArgumentParser

extension Admin.Permissions {
    /// `da admin permissions revoke`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Remove a user's grant on a table or bucket.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's id or email.")
        var user: String

        @Argument(help: "The table id or <bucket>.* of the grant.")
        var dataset: String

        func run() async throws {
            try await reportingAdminErrors {
                let client = try options.adminClient()
                let found = try await client.user(user)
                let answer = try await client.revoke(userID: found.id, dataset: dataset)
                if options.json { return JSONOutput.print(answer) }
                print("Revoked \(dataset) from \(found.email).")
            }
        }
    }
}
