import Foundation

/// What the OpenMetadata catalog says about one registered table (reference `CatalogTableData`): its description,
/// tags, owners, tier, a link to its catalog page, and its columns' descriptions and tags.
public struct CatalogTableData: Sendable, Equatable {
    /// One column as the catalog describes it.
    public struct Column: Sendable, Equatable {
        /// The column's name as the catalog spells it.
        public var name: String
        /// The catalog's type name (`VARCHAR`, `NUMERIC`, …); informative only.
        public var dataType: String?
        public var description: String?
        /// Tag FQNs, e.g. `PII.Sensitive`.
        public var tags: [String]

        public init(name: String, dataType: String? = nil, description: String? = nil, tags: [String] = []) {
            self.name = name
            self.dataType = dataType
            self.description = description
            self.tags = tags
        }
    }

    /// The entity's fully qualified name in the catalog.
    public var fqn: String
    /// Plain text (the catalog's Markdown or HTML with the tags removed); `nil` when it has none.
    public var description: String?
    /// Tag FQNs other than the tier, e.g. `PII.Sensitive`, `Glossary.Revenue`.
    public var tags: [String]
    /// Owner names (users or teams).
    public var owners: [String]
    /// The `Tier.*` tag without its classification, e.g. `Tier1`.
    public var tier: String?
    /// The table's page in the catalog.
    public var catalogURL: String?
    /// In the catalog's order.
    public var columns: [Column]

    public init(
        fqn: String, description: String? = nil, tags: [String] = [], owners: [String] = [], tier: String? = nil,
        catalogURL: String? = nil, columns: [Column] = []
    ) {
        self.fqn = fqn
        self.description = description
        self.tags = tags
        self.owners = owners
        self.tier = tier
        self.catalogURL = catalogURL
        self.columns = columns
    }

    /// The column named `name`, compared without case (the catalog and DuckDB may spell it differently).
    public func column(_ name: String) -> Column? {
        columns.first { $0.name.lowercased() == name.lowercased() }
    }
}

extension CatalogTableData {
    /// The catalog's table entity as enrichment; `pageURL` is its page in the catalog.
    init(_ table: OpenMetadataTable, fqn: String, pageURL: String) {
        let labels = table.tags ?? []
        self.init(
            fqn: table.fullyQualifiedName ?? fqn,
            description: CatalogText.plain(table.description),
            tags: labels.map(\.tagFQN).filter { !$0.hasPrefix("Tier.") },
            owners: ((table.owners ?? []) + [table.owner].compactMap { $0 }).compactMap(\.label),
            tier: labels.first { $0.tagFQN.hasPrefix("Tier.") }.map { String($0.tagFQN.dropFirst("Tier.".count)) },
            catalogURL: pageURL,
            columns: (table.columns ?? []).map { column in
                Column(
                    name: column.name, dataType: column.dataType, description: CatalogText.plain(column.description),
                    tags: (column.tags ?? []).map(\.tagFQN))
            })
    }
}

/// Catalog descriptions as plain text: OpenMetadata stores Markdown, and newer versions rich-text HTML.
enum CatalogText {
    /// `text` without HTML tags and with the common entities decoded, whitespace tidied; `nil` when nothing is left.
    static func plain(_ text: String?) -> String? {
        guard var text, !text.isEmpty else { return nil }
        if text.contains("<") {
            text = text.replacingOccurrences(of: "<li[^>]*>", with: "\n- ", options: .regularExpression)
            text = text.replacingOccurrences(of: "<br\\s*/?>", with: "\n", options: .regularExpression)
            text = text.replacingOccurrences(of: "</(p|div|h[1-6]|tr|ul|ol)>", with: "\n", options: .regularExpression)
            text = text.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
        }
        if text.contains("&") {
            for (entity, character) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
                text = text.replacingOccurrences(of: entity, with: character)
            }
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }.filter { !$0.isEmpty }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }
}
