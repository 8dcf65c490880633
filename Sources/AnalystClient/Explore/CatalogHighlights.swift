import Foundation
import Yams

/// What the OpenMetadata catalog says about a table, as `da explore` shows it: from the profile's `catalog`
/// (`--remote`) or from the synced table doc `server/docs/tables/<table>.yml` (local). Read leniently: a field of
/// another shape is ignored, never an error.
public struct CatalogHighlights: Decodable, Sendable, Encodable {
    /// A column's catalog description and tags.
    public struct Column: Decodable, Sendable {
        public var name: String?
        public var description: String?
        public var tags: [String] = []

        enum CodingKeys: String, CodingKey {
            case name, description, tags
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = (try? container.decodeIfPresent(String.self, forKey: .name)).flatMap { $0 }
            description = (try? container.decodeIfPresent(String.self, forKey: .description)).flatMap { $0 }
            tags = (try? container.decodeIfPresent([String].self, forKey: .tags)).flatMap { $0 } ?? []
        }
    }

    public var description: String?
    public var tags: [String] = []
    public var owners: [String] = []
    public var tier: String?
    public var catalogURL: String?
    var columns: [Column] = []

    enum CodingKeys: String, CodingKey {
        case description, tags, owners, tier, catalogURL = "catalog_url", columns
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        description = (try? container.decodeIfPresent(String.self, forKey: .description)).flatMap { $0 }
        tags = (try? container.decodeIfPresent([String].self, forKey: .tags)).flatMap { $0 } ?? []
        owners = (try? container.decodeIfPresent([String].self, forKey: .owners)).flatMap { $0 } ?? []
        tier = (try? container.decodeIfPresent(String.self, forKey: .tier)).flatMap { $0 }
        catalogURL = (try? container.decodeIfPresent(String.self, forKey: .catalogURL)).flatMap { $0 }
        columns = ((try? container.decodeIfPresent([Column].self, forKey: .columns)).flatMap { $0 } ?? []).filter { $0.name != nil }
    }

    /// The `--json` form: `{"catalog_url", "description", "owners", "tags", "tier"}` (column notes are on the columns).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(catalogURL, forKey: .catalogURL)
        try container.encode(description, forKey: .description)
        try container.encode(owners, forKey: .owners)
        try container.encode(tags, forKey: .tags)
        try container.encode(tier, forKey: .tier)
    }

    /// Adds the catalog's notes to `overview`: the catalog itself, and each known column's description and tags.
    /// The profile's description (the registry's) stays first; the catalog's is shown when there is none.
    func apply(to overview: inout TableOverview) {
        overview.catalog = self
        if overview.description == nil { overview.description = description }
        for column in columns {
            guard let name = column.name?.lowercased(),
                let index = overview.columns.firstIndex(where: { $0.name.lowercased() == name })
            else { continue }
            overview.columns[index].description = column.description
            overview.columns[index].tags = column.tags
        }
    }

    /// The synced table doc `server/docs/tables/<table>.yml`, when the server exported one.
    static func synced(_ table: String, in workspace: Workspace) -> CatalogHighlights? {
        let file = workspace.docsDirectory.appendingPathComponent("tables").appendingPathComponent("\(table).yml")
        guard !table.contains("/"), !table.hasPrefix("."), let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return try? YAMLDecoder().decode(CatalogHighlights.self, from: text)
    }
}
