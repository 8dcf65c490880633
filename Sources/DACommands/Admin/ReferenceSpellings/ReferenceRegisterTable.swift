import AnalystAPI
import AnalystClient
import ArgumentParser

extension Admin {
    /// `da admin register-table`, the reference CLI's command: an existing table is not an error (hidden).
    struct ReferenceRegisterTable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register-table", abstract: "Register a table; an existing one is not an error (reference spelling).",
            discussion: "The source type defaults to files here; the reference CLI defaulted to keboola.", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's name.")
        var name: String

        @Option(help: "Where the data comes from.")
        var sourceType = "files"

        @Option(help: "The source's bucket or dataset.")
        var bucket = ""

        @Option(help: "The table's name in the source (default: NAME).")
        var sourceTable = ""

        @Option(help: "local or remote.")
        var queryMode = Schemas.QueryMode.local.rawValue

        @Option(help: "What the table holds.")
        var description = ""

        /// `--json` when the table is registered already.
        struct Exists: Encodable {
            let detail: String
            let name: String
            var status = "exists"
        }

        func validate() throws {
            guard Schemas.QueryMode(rawValue: queryMode) != nil else {
                throw ValidationError("--query-mode must be local or remote, not \"\(queryMode)\"")
            }
        }

        func run() async throws {
            let changes = Schemas.TableChanges(
                name: name, sourceType: sourceType, bucket: bucket, sourceTable: sourceTable.isEmpty ? name : sourceTable,
                queryMode: Schemas.QueryMode(rawValue: queryMode), description: description)
            try await reportingAdminErrors {
                do {
                    let registered = try await options.adminClient().registerTable(changes)
                    if options.json { return JSONOutput.print(registered) }
                    print("Registered: \(name)")
                } catch ClientError.server(status: 409, let detail) {
                    if options.json { return try JSONOutput.print(Exists(detail: detail, name: name)) }
                    print("Already exists: \(name)")
                }
            }
        }
    }
}
