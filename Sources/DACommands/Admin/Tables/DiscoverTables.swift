import ArgumentParser

extension Admin.Tables {
    /// `da admin tables discover`.
    struct Discover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "discover",
            abstract: "List the tables a source offers (Keboola), marking those already registered.",
            discussion:
                "Register one with `da admin tables register <name> --source-type keboola --bucket <bucket id> --source-table <name>`.")

        @OptionGroup var options: ServerOptions

        @Option(help: "The source to ask (default: the server's data_source.type, else keboola).")
        var source: String?

        func run() async throws {
            try await reportingAdminErrors {
                let found = try await options.adminClient().discoverTables(source: source)
                if options.json { return JSONOutput.print(found) }
                let answer = found.value
                if let error = answer.error {
                    print("\(answer.source): \(error)")
                    return
                }
                print("Tables in \(answer.source): \(answer.count)")
                guard !answer.tables.isEmpty else { return }
                TextTable.print(
                    ["ID", "BUCKET", "ROWS", "SIZE", "PRIMARY KEY", "REGISTERED AS"],
                    answer.tables.map { table in
                        [
                            table.id, table.bucketName, String(table.rowCount), SyncDisplay.bytes(Int64(table.sizeBytes)),
                            table.primaryKey.joined(separator: ","), table.registeredAs ?? "",
                        ]
                    })
            }
        }
    }

    /// `da admin tables history`.
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history", abstract: "What recent sync runs did to each table, newest first.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "Only this table.")
        var table: String?

        @Option(help: "At most this many entries (1–1000).")
        var limit = 20

        func run() async throws {
            try await reportingAdminErrors {
                let history = try await options.adminClient().syncHistory(table: table, limit: limit)
                if options.json { return JSONOutput.print(history) }
                let entries = history.value.entries
                print("Sync history: \(entries.count) entries")
                guard !entries.isEmpty else { return }
                TextTable.print(
                    ["WHEN", "TABLE", "SOURCE", "STATUS", "ROWS", "BYTES", "MS", "ERROR"],
                    entries.map { entry in
                        [
                            TextTable.time(entry.syncedAt), entry.tableId, entry.source ?? "", entry.status.rawValue,
                            String(entry.rows), SyncDisplay.bytes(Int64(entry.bytes)), String(entry.durationMs), entry.error ?? "",
                        ]
                    })
            }
        }
    }
}
