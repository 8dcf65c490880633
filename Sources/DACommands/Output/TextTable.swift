import AnalystAPI
import AnalystClient
import Foundation

/// Columns of text under headers, and the cell forms the admin commands print.
enum TextTable {
    /// Prints `rows` in columns aligned under `headers`; `empty` instead when there are no rows.
    static func print(_ headers: [String], _ rows: [[String]], empty: String? = nil) {
        if rows.isEmpty, let empty { return Swift.print(empty) }
        let lines = [headers] + rows
        let widths = headers.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        for line in lines {
            let cells = line.indices.map { pad(line[$0], widths[$0]) }.joined(separator: "  ")
            Swift.print(cells.replacingOccurrences(of: " +$", with: "", options: .regularExpression))
        }
    }

    /// `text` padded with spaces to at least `width` characters (Python's `{:30s}`).
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// `yes` or `no`.
    static func yesNo(_ value: Bool) -> String {
        value ? "yes" : "no"
    }

    /// A time as the server wrote it.
    static func time(_ date: Date) -> String {
        WireJSONEncoder.timestamp(date)
    }
}
