import DuckDB
import Foundation

/// What `da explore` shows about a table: columns and types, row count, sample rows, the highlights of its
/// profile (description, alerts, completeness and top values per column) and the OpenMetadata catalog's notes.
public struct TableOverview: Sendable, Encodable {
    /// One column: `{"completeness_pct" (when profiled), "name", "nullable", "top_values" (when any), "type"}`.
    public struct Column: Sendable, Encodable {
        /// The column's name.
        public var name: String
        /// Its DuckDB type.
        public var type: String
        /// Whether it may hold NULL; `nil` when unknown (remote).
        public var nullable: Bool?
        /// The share of non-null values, from the profile.
        public var completenessPct: Double?
        /// The most frequent values (text), from the profile.
        public var topValues: [String] = []
        /// The OpenMetadata catalog's description of the column.
        public var description: String?
        /// The catalog's tags on the column.
        public var tags: [String] = []

        enum CodingKeys: String, CodingKey {
            case completenessPct = "completeness_pct", description, name, nullable, tags, topValues = "top_values", type
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            if let completenessPct { try container.encode(completenessPct, forKey: .completenessPct) }
            if let description { try container.encode(description, forKey: .description) }
            try container.encode(name, forKey: .name)
            try container.encode(nullable, forKey: .nullable)
            if !tags.isEmpty { try container.encode(tags, forKey: .tags) }
            if !topValues.isEmpty { try container.encode(topValues, forKey: .topValues) }
            try container.encode(type, forKey: .type)
        }
    }

    /// The table's name.
    public var table: String
    /// `local` (the workspace's DuckDB) or `remote` (the server's catalog profile).
    public var source: String
    /// Its rows; `nil` when unknown.
    public var rowCount: Int64?
    /// What it holds, from the profile.
    public var description: String?
    /// Its columns.
    public var columns: [Column] = []
    /// A few rows.
    public var sample: ResultTable
    /// The profile's alerts.
    public var alerts: [String] = []
    /// When the profile was made.
    public var profiledAt: String?
    /// What the OpenMetadata catalog says about the table, when the server has it configured (left out of the JSON
    /// otherwise).
    public var catalog: CatalogHighlights?

    enum CodingKeys: String, CodingKey {
        case alerts, catalog, columns, description, profiledAt = "profiled_at", rowCount = "row_count", sampleRows = "sample_rows"
        case source, table
    }

    /// The `--json` form: the reference's keys `table`, `row_count`, `columns`, `sample_rows`, plus the profile's.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(alerts, forKey: .alerts)
        if let catalog { try container.encode(catalog, forKey: .catalog) }
        try container.encode(columns, forKey: .columns)
        try container.encode(description, forKey: .description)
        try container.encode(profiledAt, forKey: .profiledAt)
        try container.encode(rowCount, forKey: .rowCount)
        let sampleRows = (try? JSONDecoder().decode([JSONValue].self, from: Data(sample.render(.json).utf8))) ?? []
        try container.encode(sampleRows, forKey: .sampleRows)
        try container.encode(source, forKey: .source)
        try container.encode(table, forKey: .table)
    }
}

/// Builds `TableOverview`s from the local database (plus the synced profiles) or from the server.
public struct TableExplorer: Sendable {
    /// The workspace whose database and profiles are read.
    public let workspace: Workspace

    /// An explorer of `workspace` (and of the server, for `remote`).
    public init(workspace: Workspace) {
        self.workspace = workspace
    }

    /// The table as the local DuckDB has it, with the synced profile's highlights. Blocking (DuckDB).
    public func local(_ table: String) throws -> TableOverview {
        let connection = try workspace.openDatabaseReadOnly()
        let names = try connection.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"
        ).rows().compactMap { $0[0].stringValue }
        guard let name = names.first(where: { $0.lowercased() == table.lowercased() }) else {
            throw ClientError.local(
                "Table '\(table)' is not in the local database. Available: "
                    + (names.isEmpty ? "none (run da sync)" : names.joined(separator: ", "))
                    + ". Remote tables: da explore \(table) --remote")
        }
        let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let columnRows = try connection.query(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                + "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position", [.varchar(name)]
        ).rows()
        let count = try connection.query("SELECT count(*) FROM \(quoted)").rows().first?.first?.int64Value
        let sample = try QueryRunner.table(connection.query("SELECT * FROM \(quoted) LIMIT 5"), limit: 5)
        var overview = TableOverview(table: name, source: "local", rowCount: count, sample: sample)
        overview.columns = columnRows.map { row in
            TableOverview.Column(
                name: row[0].stringValue ?? "", type: row[1].stringValue ?? "", nullable: row[2].stringValue.map { $0 == "YES" })
        }
        if let profile = TableExplorer.syncedProfile(name, in: workspace) { profile.apply(to: &overview) }
        CatalogHighlights.synced(name, in: workspace)?.apply(to: &overview)
        return overview
    }

    /// The table as the server's catalog describes it (`GET /api/catalog/profile/{table}`).
    public func remote(_ table: String, client: APIClient) async throws -> TableOverview {
        let escaped =
            table.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? table
        let profile = try await client.get("/api/catalog/profile/\(escaped)", as: ProfileHighlights.self)
        let names = profile.columns.compactMap(\.name)
        let sample = ResultTable(columns: names, rows: profile.sampleRows.map { row in names.map { row[$0]?.text } })
        var overview = TableOverview(table: table, source: "remote", rowCount: profile.rowCount, sample: sample)
        profile.apply(to: &overview)
        return overview
    }

    /// The table's profile from `server/metadata/profiles.json`, if synced.
    static func syncedProfile(_ table: String, in workspace: Workspace) -> ProfileHighlights? {
        guard let data = FileManager.default.contents(atPath: workspace.profilesFile.path) else { return nil }
        return (try? JSONDecoder().decode(SyncedProfiles.self, from: data))?.tables[table]
    }

    /// `profiles.json` (the server's `ProfilesBundle`), as far as `da explore` reads it.
    struct SyncedProfiles: Decodable {
        var tables: [String: ProfileHighlights]
    }
}
