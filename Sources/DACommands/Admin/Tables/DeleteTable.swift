import ArgumentParser

extension Admin.Tables {
    /// `da admin tables delete`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Remove a table from the registry.", discussion: "Asks first on a terminal, unless --yes.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's id.")
        var id: String

        @OptionGroup var confirmation: ConfirmationOptions

        func run() async throws {
            try await reportingAdminErrors(notFound: Advice.seeTables) {
                let client = try options.adminClient()
                try Terminal.confirm("Delete table \(id)?", yes: confirmation.yes)
                try await client.deleteTable(id: id)
                if options.json { return try JSONOutput.print(["deleted": id]) }
                print("Deleted table \(id).")
            }
        }
    }
}
