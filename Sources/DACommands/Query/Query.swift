import AnalystClient
import ArgumentParser
import DuckDB

/// `da query`: SQL on the local DuckDB, or on the server with `--remote`.
struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL on the local DuckDB (default) or on the server (--remote).",
        discussion: "The SQL comes from the argument, from -f FILE, or from standard input.")

    @OptionGroup var options: ServerOptions

    @OptionGroup var input: SQLInputOptions

    @Flag(help: "Run on the server (POST /api/query) instead of the local DuckDB.")
    var remote = false

    @Option(help: "Output: table, json, csv or markdown.")
    var format: ResultTable.Format = .table

    @Option(help: "Rows to return at most.")
    var limit: Int = 1_000

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let text = try input.statement()
        let session = options.session()
        let runner = QueryRunner(workspace: Workspace(path: session.environment.workspace))
        let format = options.json ? .json : self.format
        let limit = self.limit
        try await reportingErrors {
            let result: ResultTable
            if remote {
                result = try await runner.remote(text, limit: limit, client: session.authorizedClient())
            } else {
                result = try await BlockingExecutor(name: "da-query").run { try runner.local(text, limit: limit) }
            }
            print(result.render(format))
            if result.truncated && format != .table {
                Terminal.printError("(truncated at \(limit) rows; raise --limit for more)")
            }
        }
    }
}
