import AnalystCore
import Foundation

/// The catalog as files under `docs/` (reference `catalog_export`): one metric definition per file in the metric
/// format (§8.3, as `MetricStarters` writes them), `metrics/metrics.yml` listing them, and `tables/<id>.yml` with a
/// table's description, owners, tags, tier and column descriptions.
enum CatalogDocs {
    /// One metric file: where it goes, its definition, its line in the index.
    struct MetricFile {
        var category: String
        var name: String
        var yaml: DocYAML
        var index: DocYAML

        /// `<category>/<name>.yml`, relative to `docs/metrics`.
        var path: String { "\(category)/\(name).yml" }
    }

    /// The metric as a definition in the reference's format; `nil` when its name has no usable letters.
    ///
    /// Category, grain, type, unit and dimensions come from the entity's fields, else from the reference's tag
    /// conventions (`MetricCategory.*` or `Category.*`, `Grain.*`, `MetricType.*`, `Unit.*`, `Dimension.*`). A
    /// formula starting with SELECT or WITH is the canonical `sql`, any other the `expression`.
    static func metric(_ metric: OpenMetadataMetric, pageURL: String) -> MetricFile? {
        let tags = (metric.tags ?? []).map(\.tagFQN)
        func tagged(_ prefixes: String...) -> [String] {
            tags.compactMap { tag in prefixes.first { tag.hasPrefix($0 + ".") }.map { String(tag.dropFirst($0.count + 1)) } }
        }
        guard let name = fileName(metric.name) else { return nil }
        let category = tagged("MetricCategory", "Category").first.flatMap(fileName) ?? "general"
        let grain = nonEmpty(metric.granularity).map(grainWord) ?? tagged("Grain").first?.lowercased()
        let type = nonEmpty(metric.metricType)?.lowercased() ?? tagged("MetricType").first?.lowercased()
        let unit = nonEmpty(metric.customUnitOfMeasurement) ?? nonEmpty(metric.unitOfMeasurement).map(unitWord) ?? tagged("Unit").first
        let owners = (metric.owners ?? []).compactMap(\.label)
        let code = nonEmpty(metric.metricExpression?.code?.trimmingCharacters(in: .whitespacesAndNewlines))
        let firstWord = code?.split(whereSeparator: \.isWhitespace).first?.lowercased()
        let isQuery = firstWord == "select" || firstWord == "with"
        var notes: [String] = []
        if let fqn = metric.fullyQualifiedName { notes.append("Source: OpenMetadata catalog (FQN: \(fqn))") }
        if !owners.isEmpty { notes.append("Owners: \(owners.joined(separator: ", "))") }

        var fields: [(String, DocYAML)] = [
            ("name", .text(name)),
            ("display_name", .text(nonEmpty(metric.displayName) ?? metric.name)),
            ("category", .text(category)),
        ]
        if let type { fields.append(("type", .text(type))) }
        if let unit { fields.append(("unit", .text(unit))) }
        if let grain { fields.append(("grain", .text(grain))) }
        if let code, !isQuery { fields.append(("expression", .text(code))) }
        if let description = CatalogText.plain(metric.description) { fields.append(("description", .text(description))) }
        let dimensions = tagged("Dimension")
        if !dimensions.isEmpty { fields.append(("dimensions", .list(dimensions.map(DocYAML.text)))) }
        if !notes.isEmpty { fields.append(("notes", .list(notes.map(DocYAML.text)))) }
        if !owners.isEmpty { fields.append(("owners", .list(owners.map(DocYAML.text)))) }
        if !tags.isEmpty { fields.append(("tags", .list(tags.map(DocYAML.text)))) }
        fields.append(("catalog_url", .text(pageURL)))
        if let code, isQuery { fields.append(("sql", .text(code + "\n"))) }

        var index: [(String, DocYAML)] = [
            ("name", .text(name)), ("display_name", .text(nonEmpty(metric.displayName) ?? metric.name)), ("category", .text(category)),
        ]
        if let grain { index.append(("grain", .text(grain))) }
        index.append(("file", .text("\(category)/\(name).yml")))
        return MetricFile(category: category, name: name, yaml: .list([.mapping(fields)]), index: .mapping(index))
    }

    /// `metrics/metrics.yml`: every exported metric's name, title, category, grain and file.
    static func metricIndex(_ files: [MetricFile]) -> DocYAML {
        .mapping([("metrics", .list(files.map(\.index)))])
    }

    /// `tables/<id>.yml`: what the catalog says about registered table `id`.
    static func table(id: String, _ data: CatalogTableData) -> DocYAML {
        var fields: [(String, DocYAML)] = [("name", .text(id)), ("fqn", .text(data.fqn))]
        if let description = data.description { fields.append(("description", .text(description))) }
        if !data.owners.isEmpty { fields.append(("owners", .list(data.owners.map(DocYAML.text)))) }
        if !data.tags.isEmpty { fields.append(("tags", .list(data.tags.map(DocYAML.text)))) }
        if let tier = data.tier { fields.append(("tier", .text(tier))) }
        if let url = data.catalogURL { fields.append(("catalog_url", .text(url))) }
        let columns: [DocYAML] = data.columns.map { column in
            var entry: [(String, DocYAML)] = [("name", .text(column.name))]
            if let type = column.dataType { entry.append(("type", .text(type))) }
            if let description = column.description { entry.append(("description", .text(description))) }
            if !column.tags.isEmpty { entry.append(("tags", .list(column.tags.map(DocYAML.text)))) }
            return .mapping(entry)
        }
        if !columns.isEmpty { fields.append(("columns", .list(columns))) }
        return .mapping(fields)
    }

    /// A name as a metric file or category name (`^[a-z0-9_]+$`): lower-cased, runs of other characters as one `_`.
    static func fileName(_ text: String) -> String? {
        var result = ""
        for scalar in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else if !result.isEmpty, !result.hasSuffix("_") {
                result += "_"
            }
        }
        while result.hasSuffix("_") { result.removeLast() }
        return result.isEmpty ? nil : String(result.prefix(100))
    }

    /// OpenMetadata's granularity (`DAY`, `MONTH`, …) as the metric format's grain (`daily`, `monthly`, …).
    static func grainWord(_ granularity: String) -> String {
        let words = [
            "SECOND": "secondly", "MINUTE": "minutely", "HOUR": "hourly", "DAY": "daily", "WEEK": "weekly", "MONTH": "monthly",
            "QUARTER": "quarterly", "YEAR": "yearly",
        ]
        return words[granularity.uppercased()] ?? granularity.lowercased()
    }

    /// OpenMetadata's unit of measurement as the metric format's unit (`DOLLARS` → `USD`, `PERCENTAGE` → `percent`).
    static func unitWord(_ unit: String) -> String {
        let words = ["DOLLARS": "USD", "PERCENTAGE": "percent", "COUNT": "count", "SIZE": "bytes", "TIMESTAMP": "timestamp"]
        return words[unit.uppercased()] ?? unit.lowercased()
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
