import AnalystClient
import Foundation

/// `da explore`'s text: the table, its columns with their profile highlights, sample rows and alerts.
enum OverviewText {
    /// The overview as lines of text.
    static func render(_ overview: TableOverview) -> String {
        var lines: [String] = []
        let rows = overview.rowCount.map { "\($0.formatted()) rows" } ?? "rows unknown"
        lines.append("\(overview.table) — \(rows), \(overview.columns.count) columns (\(overview.source))")
        if let description = overview.description { lines.append(description) }
        lines.append("")
        let columns = ResultTable(
            columns: ["column", "type", "nullable", "complete", "top values"],
            rows: overview.columns.map { column in
                [
                    column.name, column.type, column.nullable.map { $0 ? "yes" : "no" } ?? "-",
                    column.completenessPct.map { String(format: "%.1f%%", $0) } ?? "-",
                    column.topValues.isEmpty ? "-" : column.topValues.joined(separator: ", "),
                ]
            })
        lines.append(columns.render(.table).components(separatedBy: "\n").dropLast().joined(separator: "\n"))
        if !overview.sample.rows.isEmpty {
            lines.append("")
            lines.append("Sample rows:")
            lines.append(overview.sample.render(.table))
        }
        if !overview.alerts.isEmpty {
            lines.append("")
            lines.append("Alerts:")
            lines += overview.alerts.map { "  - \($0)" }
        }
        if let profiled = overview.profiledAt { lines.append("\nProfile from \(profiled)") }
        return lines.joined(separator: "\n")
    }
}
