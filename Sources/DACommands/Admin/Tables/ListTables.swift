import ArgumentParser

extension Admin.Tables {
    /// `da admin tables list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the registered tables.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let registry = try await options.adminClient().tables()
                if options.json { return JSONOutput.print(registry) }
                let tables = registry.value.tables
                print("Registered tables: \(tables.count)")
                guard !tables.isEmpty else { return }
                TextTable.print(
                    ["ID", "NAME", "SOURCE", "MODE", "STRATEGY", "SCHEDULE", "PUBLIC", "DESCRIPTION"],
                    tables.map { table in
                        [
                            table.id, table.name, table.sourceType ?? "", table.queryMode.rawValue, table.syncStrategy.rawValue,
                            table.syncSchedule ?? "", TextTable.yesNo(table.isPublic), table.description ?? "",
                        ]
                    })
            }
        }
    }
}
