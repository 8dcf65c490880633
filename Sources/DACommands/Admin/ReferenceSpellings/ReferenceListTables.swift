import ArgumentParser

extension Admin {
    /// `da admin list-tables`, the reference CLI's spelling of `tables list` with its output (hidden).
    struct ReferenceListTables: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list-tables", abstract: "List registered tables (same as: da admin tables list).", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let registry = try await options.adminClient().tables()
                if options.json { return JSONOutput.print(registry) }
                print("Registered tables: \(registry.value.count)")
                for table in registry.value.tables {
                    let name = TextTable.pad(table.name, 30)
                    let source = TextTable.pad(table.sourceType ?? "", 10)
                    let mode = TextTable.pad(table.queryMode.rawValue, 6)
                    print("  \(name) src=\(source) mode=\(mode) bucket=\(table.bucket ?? "")")
                }
            }
        }
    }
}
