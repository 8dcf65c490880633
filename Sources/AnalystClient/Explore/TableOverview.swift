import DuckDB
import Foundation

/// What `da explore` shows about a table: columns and types, row count, sample rows, and the highlights of its
/// profile (description, alerts, completeness and top values per column).
public struct TableOverview: Sendable {
    public struct Column: Sendable {
        public var name: String
        public var type: String
        public var nullable: Bool?
        public var completenessPct: Double?
        /// The most frequent values (text), from the profile.
        public var topValues: [String] = []
    }

    public var table: String
    /// `local` (the workspace's DuckDB) or `remote` (the server's catalog profile).
    public var source: String
    public var rowCount: Int64?
    public var description: String?
    public var columns: [Column] = []
    public var sample: ResultTable
    public var alerts: [String] = []
    public var profiledAt: String?

    /// The `--json` form (the reference's keys `table`, `row_count`, `columns`, `sample_rows`, plus the profile's).
    public var json: [String: Any] {
        let columnObjects: [[String: Any]] = columns.map { column in
            var object: [String: Any] = ["name": column.name, "type": column.type]
            object["nullable"] = column.nullable ?? NSNull()
            if let completeness = column.completenessPct { object["completeness_pct"] = completeness }
            if !column.topValues.isEmpty { object["top_values"] = column.topValues }
            return object
        }
        let sampleData = Data(sample.render(.json).utf8)
        return [
            "table": table, "source": source, "row_count": rowCount.map { $0 as Any } ?? NSNull(),
            "description": description ?? NSNull(), "columns": columnObjects,
            "sample_rows": (try? JSONSerialization.jsonObject(with: sampleData)) ?? [], "alerts": alerts,
            "profiled_at": profiledAt ?? NSNull(),
        ]
    }
}

/// Builds `TableOverview`s from the local database (plus the synced profiles) or from the server.
public struct TableExplorer: Sendable {
    public let workspace: Workspace

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
        let profile = TableExplorer.syncedProfile(name, in: workspace)
        var overview = TableOverview(table: name, source: "local", rowCount: count, sample: sample)
        overview.columns = columnRows.map { row in
            TableOverview.Column(
                name: row[0].stringValue ?? "", type: row[1].stringValue ?? "", nullable: row[2].stringValue.map { $0 == "YES" })
        }
        if let profile { TableExplorer.apply(profile, to: &overview) }
        return overview
    }

    /// The table as the server's catalog describes it (`GET /api/catalog/profile/{table}`).
    public func remote(_ table: String, client: APIClient) async throws -> TableOverview {
        let escaped =
            table.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? table
        let profile = try await client.object(.GET, "/api/catalog/profile/\(escaped)")
        let rows = profile["sample_rows"] as? [[String: Any]] ?? []
        let names = (profile["columns"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let sample = ResultTable(
            columns: names, rows: rows.map { row in names.map { row[$0].flatMap(QueryRunner.text(json:)) } })
        var overview = TableOverview(
            table: table, source: "remote", rowCount: (profile["row_count"] as? NSNumber)?.int64Value, sample: sample)
        TableExplorer.apply(profile, to: &overview)
        return overview
    }

    /// Adds a profile's highlights; columns the overview does not have yet are taken from the profile.
    static func apply(_ profile: [String: Any], to overview: inout TableOverview) {
        overview.description = (profile["description"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        overview.alerts = (profile["alerts"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        overview.profiledAt = profile["profiled_at"] as? String ?? profile["last_sync"] as? String
        for entry in profile["columns"] as? [[String: Any]] ?? [] {
            guard let name = entry["name"] as? String else { continue }
            let top =
                ((entry["string_stats"] as? [String: Any])?["top_values"] as? [[String: Any]])?.compactMap { value -> String? in
                    guard let text = value["value"].flatMap(QueryRunner.text(json:)) else { return nil }
                    return (value["pct"] as? NSNumber).map { "\(text) (\($0)%)" } ?? text
                } ?? (entry["sample_values"] as? [Any] ?? []).compactMap(QueryRunner.text(json:))
            let completeness = (entry["completeness_pct"] as? NSNumber)?.doubleValue
            if let index = overview.columns.firstIndex(where: { $0.name == name }) {
                overview.columns[index].completenessPct = completeness
                overview.columns[index].topValues = Array(top.prefix(5))
            } else {
                var column = TableOverview.Column(name: name, type: entry["type"] as? String ?? "", nullable: nil)
                column.completenessPct = completeness
                column.topValues = Array(top.prefix(5))
                overview.columns.append(column)
            }
        }
    }

    /// The table's profile from `server/metadata/profiles.json`, if synced.
    static func syncedProfile(_ table: String, in workspace: Workspace) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: workspace.profilesFile.path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return (object["tables"] as? [String: Any])?[table] as? [String: Any]
    }
}
