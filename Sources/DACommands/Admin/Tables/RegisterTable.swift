import ArgumentParser

extension Admin.Tables {
    /// `da admin tables register`.
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register",
            abstract: "Register a table (its id is the name lower-cased, spaces and dashes as _).",
            discussion: "The source type defaults to files (the reference CLI defaulted to keboola): fill it with `da admin tables upload`."
        )

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's name.")
        var name: String

        @OptionGroup var table: TableChangeOptions

        @Flag(help: "Only admins and users granted access may read it (default: everyone).")
        var `private` = false

        func run() async throws {
            var changes = table.changes
            changes.name = name
            changes.sourceType = changes.sourceType ?? "files"
            if `private` { changes.isPublic = false }
            try await reportingAdminErrors {
                let registered = try await options.adminClient().registerTable(changes)
                if options.json { return JSONOutput.print(registered) }
                print("Registered: \(name) (id: \(registered.value.id))")
            }
        }
    }
}
