import AnalystClient
import ArgumentParser
import DuckDB
import Foundation

extension ResultTable.Format: ExpressibleByArgument {}

struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL on the local DuckDB (default) or on the server (--remote).",
        discussion: "The SQL comes from the argument, from -f FILE, or from standard input.")

    @OptionGroup var options: ServerOptions

    @Argument(help: "The SQL to run.")
    var sql: String?

    @Option(name: [.customShort("f"), .customLong("file")], help: "Read the SQL from this file.")
    var file: String?

    @Flag(help: "Run on the server (POST /api/query) instead of the local DuckDB.")
    var remote = false

    @Option(help: "Output: table, json, csv or markdown.")
    var format: ResultTable.Format = .table

    @Option(help: "Rows to return at most.")
    var limit: Int = 1_000

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        guard sql == nil || file == nil else { throw ValidationError("give the SQL as an argument or with -f, not both") }
    }

    func run() async throws {
        let text: String
        if let sql {
            text = sql
        } else if let file {
            guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("cannot read \(file)")
            }
            text = contents
        } else {
            text = AnyIterator { readLine(strippingNewline: false) }.joined()
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("no SQL: give it as an argument, with -f FILE, or on standard input")
        }
        let session = options.session()
        let runner = QueryRunner(workspace: Workspace(path: session.environment.workspace))
        let format = options.json ? .json : self.format
        let limit = self.limit
        try await reportingErrors {
            let result: ResultTable
            if remote {
                guard let token = try session.currentToken() else { throw ClientError.notLoggedIn }
                result = try await runner.remote(text, limit: limit, client: APIClient(server: session.server, token: token))
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
