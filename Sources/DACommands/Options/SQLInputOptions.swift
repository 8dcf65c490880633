import AnalystClient
import ArgumentParser
import Foundation

extension ResultTable.Format: ExpressibleByArgument {}

/// Where `da query` reads its SQL: the argument, `-f FILE`, or standard input.
struct SQLInputOptions: ParsableArguments {
    @Argument(help: "The SQL to run.")
    var sql: String?

    @Option(name: [.customShort("f"), .customLong("file")], help: "Read the SQL from this file.")
    var file: String?

    func validate() throws {
        guard sql == nil || file == nil else { throw ValidationError("give the SQL as an argument or with -f, not both") }
    }

    /// The SQL; a usage error when the file cannot be read or there is none.
    func statement() throws -> String {
        let text: String
        if let sql {
            text = sql
        } else if let file {
            guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("cannot read \(file)") }
            text = contents
        } else {
            text = AnyIterator { readLine(strippingNewline: false) }.joined()
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("no SQL: give it as an argument, with -f FILE, or on standard input")
        }
        return text
    }
}
