import AnalystCore
import Foundation

/// A table's profile as the table page draws it: the overview, alerts, missing values per column, each column's
/// distribution as inline SVG (bars computed here, so the template only places numbers), top values,
/// relationships and sample rows. Every text from the data stays text: the template escapes it.
struct ProfileView: Sendable {
    struct Fact: Sendable {
        let label: String
        let value: String
    }
    struct Alert: Sendable {
        let column: String
        let kind: String
        let message: String
    }
    struct Missing: Sendable {
        let column: String
        let percent: String
        /// Width of the missing share in a 100-unit bar.
        let width: String
    }
    struct Bar: Sendable {
        let x: String
        let y: String
        let width: String
        let height: String
        let label: String
    }
    struct Distribution: Sendable {
        let column: String
        let type: String
        let stats: [Fact]
        let bars: [Bar]
        let hasBars: Bool
        let chartLabel: String
    }
    struct TopValue: Sendable {
        let value: String
        let count: String
        let percent: String
    }
    struct TopValues: Sendable {
        let column: String
        let values: [TopValue]
    }
    struct Relation: Sendable {
        let table: String
        let href: String
        let description: String
    }
    struct SampleRow: Sendable {
        let cells: [Cell]
    }
    struct Cell: Sendable {
        let value: String
        let isNull: Bool
    }

    let overview: [Fact]
    let profiledAt: WebFormat.Moment?
    let sampledNote: Bool
    let alerts: [Alert]
    let hasAlerts: Bool
    let missing: [Missing]
    let hasMissing: Bool
    let distributions: [Distribution]
    let hasDistributions: Bool
    let topValues: [TopValues]
    let hasTopValues: Bool
    let relations: [Relation]
    let hasRelations: Bool
    let sampleHeaders: [String]
    let sampleRows: [SampleRow]
    let hasSample: Bool

    init(_ profile: TableProfile, profiledAt: Date?) {
        var overview: [Fact] = [
            .init(label: "Rows", value: WebFormat.count(Int64(profile.rowCount)) ?? "0"),
            .init(label: "Columns", value: String(profile.columnCount)),
            .init(label: "Completeness", value: String(format: "%.1f %%", profile.avgCompleteness)),
            .init(
                label: "Missing cells",
                value: "\(WebFormat.count(Int64(profile.missingCells)) ?? "0") (\(String(format: "%.1f", profile.missingCellsPct)) %)"),
            .init(label: "Duplicate rows", value: WebFormat.count(Int64(profile.duplicateRows)) ?? "0"),
        ]
        if let range = profile.dateRange, let earliest = range.earliest, let latest = range.latest {
            overview.append(.init(label: "Dates", value: "\(earliest) – \(latest)" + (range.spanDays.map { " (\($0) days)" } ?? "")))
        }
        if let primaryKey = profile.primaryKey { overview.append(.init(label: "Primary key", value: primaryKey)) }
        self.overview = overview
        self.profiledAt = WebFormat.moment(profiledAt)
        sampledNote = profile.sampled
        alerts = profile.alerts.map {
            Alert(column: $0.column, kind: $0.type.rawValue.replacingOccurrences(of: "_", with: " "), message: $0.message)
        }
        hasAlerts = !alerts.isEmpty
        missing = profile.columns.filter { $0.nullCount > 0 }.map {
            let share = max(0, min(100, 100 - $0.completenessPct))
            return Missing(column: $0.name, percent: String(format: "%.1f %%", share), width: String(format: "%.2f", share))
        }
        hasMissing = !missing.isEmpty
        distributions = profile.columns.compactMap(ProfileView.distribution)
        hasDistributions = !distributions.isEmpty
        topValues = profile.columns.compactMap { column in
            guard let top = column.stringStats?.topValues, !top.isEmpty else { return nil }
            return TopValues(
                column: column.name,
                values: top.map {
                    TopValue(value: $0.value, count: WebFormat.count(Int64($0.count)) ?? "0", percent: String(format: "%.1f %%", $0.pct))
                })
        }
        hasTopValues = !topValues.isEmpty
        relations = profile.relatedTables.map {
            Relation(table: $0.table, href: "/catalog/tables/" + WebFormat.segment($0.table), description: $0.description)
        }
        hasRelations = !relations.isEmpty
        sampleHeaders = profile.columns.map(\.name)
        sampleRows = profile.sampleRows.map { row in
            SampleRow(cells: row.cells.map { Cell(value: $0.value ?? "NULL", isNull: $0.value == nil) })
        }
        hasSample = !sampleRows.isEmpty
    }

    /// A column's distribution: numeric and date histograms as bars in a 300×100 box, booleans as two bars.
    static func distribution(_ column: TableProfile.Column) -> Distribution? {
        func number(_ value: Double?) -> String? {
            value.map { abs($0) >= 1e6 || ($0 != 0 && abs($0) < 1e-3) ? String(format: "%.3g", $0) : String(format: "%.2f", $0) }
        }
        var stats: [Fact] = []
        var bins: [(String, Int)] = []
        if let numeric = column.numericStats {
            for (label, value) in [("Min", numeric.min), ("Median", numeric.median), ("Mean", numeric.mean), ("Max", numeric.max)] {
                if let text = number(value) { stats.append(.init(label: label, value: text)) }
            }
            stats.append(.init(label: "Zeros", value: String(format: "%.1f %%", numeric.zerosPct)))
            bins = Array(zip(numeric.histogram.bins, numeric.histogram.counts))
        } else if let date = column.dateStats {
            if let earliest = date.earliest { stats.append(.init(label: "Earliest", value: earliest)) }
            if let latest = date.latest { stats.append(.init(label: "Latest", value: latest)) }
            bins = Array(zip(date.histogram.bins, date.histogram.counts))
        } else if let boolean = column.booleanStats {
            stats.append(.init(label: "True", value: String(format: "%.1f %%", boolean.truePct)))
            bins = [("true", boolean.trueCount), ("false", boolean.falseCount)]
        } else {
            return nil
        }
        let highest = max(1, bins.map(\.1).max() ?? 1)
        let slot = bins.isEmpty ? 0 : 300.0 / Double(bins.count)
        let bars = bins.enumerated().map { index, bin in
            let height = 100.0 * Double(bin.1) / Double(highest)
            return Bar(
                x: String(format: "%.2f", Double(index) * slot + slot * 0.1), y: String(format: "%.2f", 100 - height),
                width: String(format: "%.2f", slot * 0.8), height: String(format: "%.2f", height),
                label: "\(bin.0): \(WebFormat.count(Int64(bin.1)) ?? "0")")
        }
        return Distribution(
            column: column.name, type: column.type, stats: stats, bars: bars, hasBars: !bars.isEmpty,
            chartLabel: "Distribution of \(column.name) in \(bars.count) bins")
    }
}
