import AnalystClient
import ArgumentParser
import DuckDB
import Foundation

/// `da explore`: a table's columns, rows, sample and profile highlights.
struct Explore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Show a table's columns, row count, sample rows and profile highlights (local, or --remote).")

    @OptionGroup var options: ServerOptions

    @Argument(help: "The table.")
    var table: String

    @Flag(help: "Ask the server's catalog instead of the local DuckDB (works for tables you have not synced).")
    var remote = false

    func run() async throws {
        let session = options.session()
        let explorer = TableExplorer(workspace: Workspace(path: session.environment.workspace))
        let table = self.table
        try await reportingErrors {
            let overview: TableOverview
            if remote {
                overview = try await explorer.remote(table, client: session.authorizedClient())
            } else {
                overview = try await BlockingExecutor(name: "da-explore").run { try explorer.local(table) }
            }
            if options.json { return try JSONOutput.print(overview) }
            print(OverviewText.render(overview))
        }
    }
}
