import DuckDB
import Foundation
import JSONWriting

/// A query result on the client, from the server's JSON or the local DuckDB, and its renderings.
public struct ResultTable: Sendable, Equatable {
    public var columns: [String]
    /// Cells as text; `nil` is SQL NULL.
    public var rows: [[String?]]
    public var truncated: Bool
    /// The same cells as JSON literals (numbers stay numbers, lists stay arrays) for `--format json`; when `nil`,
    /// every cell is written as a string.
    public var literals: [[String]]?

    public init(columns: [String], rows: [[String?]], truncated: Bool = false, literals: [[String]]? = nil) {
        self.columns = columns
        self.rows = rows
        self.truncated = truncated
        self.literals = literals
    }

    /// Output formats of `da query`.
    public enum Format: String, CaseIterable, Sendable {
        case table, json, csv, markdown
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .table: return table()
        case .json: return json()
        case .csv: return csv()
        case .markdown: return markdown()
        }
    }

    /// Aligned columns with a header rule; NULL shown as `NULL`.
    func table() -> String {
        let cells = rows.map { $0.map { $0 ?? "NULL" } }
        let widths = columns.indices.map { index in
            ([columns[index]] + cells.map { $0[index] }).map(\.count).max() ?? 0
        }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var lines = [line(columns), widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")]
        lines += cells.map(line)
        lines.append("(\(rows.count) row\(rows.count == 1 ? "" : "s")\(truncated ? ", truncated" : ""))")
        return lines.joined(separator: "\n")
    }

    /// An array of objects, one per row (the reference's `--format json`).
    func json() -> String {
        let cells = literals ?? rows.map { row in row.map { $0.map(JSONText.quote) ?? "null" } }
        let objects = cells.map { row in
            "{" + zip(columns, row).map { JSONText.quote($0) + ":" + $1 }.joined(separator: ",") + "}"
        }
        return "[" + objects.joined(separator: ",\n ") + "]"
    }

    /// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; NULL is an empty field.
    func csv() -> String {
        func field(_ text: String?) -> String {
            guard let text else { return "" }
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return ([columns.map(field).joined(separator: ",")] + rows.map { $0.map(field).joined(separator: ",") })
            .joined(separator: "\r\n")
    }

    /// A GitHub-flavoured markdown table (pipes escaped).
    func markdown() -> String {
        func cell(_ text: String?) -> String {
            (text ?? "NULL").replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        var lines = ["| " + columns.map(cell).joined(separator: " | ") + " |", "|" + columns.map { _ in " --- |" }.joined()]
        lines += rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n")
    }
}
