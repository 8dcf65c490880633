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
        if let catalog = overview.catalog {
            var facts: [String] = []
            if !catalog.owners.isEmpty { facts.append("owners: " + catalog.owners.joined(separator: ", ")) }
            if let tier = catalog.tier { facts.append("tier: \(tier)") }
            if !catalog.tags.isEmpty { facts.append("tags: " + catalog.tags.joined(separator: ", ")) }
            if !facts.isEmpty { lines.append("Catalog — " + facts.joined(separator: "; ")) }
            if let description = catalog.description, description != overview.description {
                lines.append("Catalog description: \(description)")
            }
            if let url = catalog.catalogURL { lines.append("Catalog page: \(url)") }
        }
        lines.append("")
        let notes = overview.columns.contains { $0.description != nil || !$0.tags.isEmpty }
        let columns = ResultTable(
            columns: ["column", "type", "nullable", "complete", "top values"] + (notes ? ["catalog"] : []),
            rows: overview.columns.map { column in
                [
                    column.name, column.type, column.nullable.map { $0 ? "yes" : "no" } ?? "-",
                    column.completenessPct.map { String(format: "%.1f%%", $0) } ?? "-",
                    column.topValues.isEmpty ? "-" : column.topValues.joined(separator: ", "),
                ]
                    + (notes ? [catalogNote(column)] : [])
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

    /// A column's catalog description followed by its tags in brackets, or `-`.
    private static func catalogNote(_ column: TableOverview.Column) -> String {
        let parts = [column.description, column.tags.isEmpty ? nil : "[" + column.tags.joined(separator: ", ") + "]"].compactMap { $0 }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }
}
