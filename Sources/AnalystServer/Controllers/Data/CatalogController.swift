import AnalystAPI
import AnalystCore
import Connectors
import DuckDB
import Foundation
import Hummingbird
import JSONWriting
import Synchronization
import Yams

/// `/api/catalog` (any user, reference §1.11): registered tables with whether the caller may read them, a
/// table's profile (access-checked), and the metric definitions under `docs/metrics/`. Tables and profiles carry
/// the OpenMetadata enrichment when it is configured, read from the enricher's cache (never waiting for the catalog).
struct CatalogController {
    let registry: TableRegistry
    let manifest: SyncManifest
    let accessPolicy: AccessPolicy
    let system: SystemDatabase
    let directory: DataDirectory
    /// `nil` when OpenMetadata is not configured.
    let enricher: CatalogEnricher?

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("tables") { _, context -> WireResponse<Schemas.CatalogTableList> in
            let tables = try await tables(for: try context.requireUser())
            return WireResponse(.init(tables: tables, count: tables.count))
        }
        group.get("profile/:table") { _, context -> Response in
            let table = try context.parameters.require("table")
            guard try await accessPolicy.canAccessTable(try context.requireUser(), table) else {
                throw APIError(.forbidden, "Access denied to this table")
            }
            let stored = try await system.withConnection { connection in
                try connection.query("SELECT profile, profiled_at FROM table_profiles WHERE table_id = ?", [.varchar(table)])
                    .rows().first
            }
            guard let stored, let profile = stored[0].stringValue, profile.hasPrefix("{") else {
                throw APIError(.notFound, "Profile not found for '\(table)'")
            }
            // The stored JSON with `profiled_at` added, as the reference answered, and the catalog's enrichment.
            let profiledAt = stored[1].dateValue.map { JSONText.quote(WireJSONEncoder.timestamp($0)) } ?? "null"
            let enrichment = await enricher?.catalog(for: [table])[table]
            let catalog = try enrichment.map { try WireJSONEncoder().encodeToString(Schemas.CatalogEnrichment($0)) } ?? "null"
            let body =
                profile.dropLast() + (profile == "{}" ? "" : ",") + "\"profiled_at\":\(profiledAt),\"catalog\":\(catalog)}"
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: String(body))))
        }
        group.get("metrics") { _, _ -> WireResponse<Schemas.MetricList> in
            let metrics = MetricFiles(root: directory.docs.appendingPathComponent("metrics")).list()
            return WireResponse(.init(metrics: metrics, count: metrics.count))
        }
        group.get("metrics/:category/:file") { _, context -> Response in
            let path = try context.parameters.require("category") + "/" + context.parameters.require("file")
            let json = try MetricFiles(root: directory.docs.appendingPathComponent("metrics")).json(path: path)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
    }
}

extension CatalogController {
    /// Every registered table as `user` sees it in the catalog (whether they may read it included).
    func tables(for user: User) async throws -> [Schemas.CatalogTable] {
        try await entries(try await registry.list(), for: user)
    }

    /// One registered table as `user` sees it in the catalog; `nil` when it is not registered. (A table's page and
    /// its access request read only that table, not the whole catalog.)
    func table(_ id: String, for user: User) async throws -> Schemas.CatalogTable? {
        guard let table = try await registry.find(id: id) else { return nil }
        return try await entries([table], for: user).first
    }

    private func entries(_ registered: [RegisteredTable], for user: User) async throws -> [Schemas.CatalogTable] {
        let readable = try await accessPolicy.accessibleTables(for: user)
        let catalog = await enricher?.catalog(for: registered.map(\.id)) ?? [:]
        return registered.map { table in
            let published = manifest.table(table.id)
            let enrichment = catalog[table.id]
            return Schemas.CatalogTable(
                id: table.id, name: table.name,
                description: table.description ?? enrichment?.description ?? published?.description,
                sourceType: table.sourceType, syncStrategy: table.syncStrategy, queryMode: table.queryMode,
                bucket: table.bucket, isPublic: table.isPublic, rows: published?.rows, sizeBytes: published?.fileSizeBytes,
                lastSync: published?.lastSync, canRead: readable?.contains(table.id) ?? true,
                catalog: enrichment.map(Schemas.CatalogEnrichment.init))
        }
    }

    /// The stored profile of `table` (no access check: the caller's) and when it was made; `nil` when none.
    func profile(of table: String) async throws -> (TableProfile, profiledAt: Date?)? {
        let stored = try await system.withConnection { connection in
            try connection.query("SELECT profile, profiled_at FROM table_profiles WHERE table_id = ?", [.varchar(table)]).rows().first
        }
        guard let stored, let json = stored[0].stringValue, json.hasPrefix("{"),
            let profile = try? JSONDecoder().decode(TableProfile.self, from: Data(json.utf8))
        else { return nil }
        return (profile, stored[1].dateValue)
    }
}

/// Metric definitions: `docs/metrics/<category>/<name>.yml`, each a YAML list with one mapping (reference §8.3).
struct MetricFiles {
    let root: URL

    /// What `list()` read from each file, by the file's path, with the file's size and modification time: a file is
    /// parsed again only when it changed (pages list the metrics on every view).
    private static let parsed = Mutex<[String: (size: Int, modified: Date, metric: Schemas.Metric)]>([:])

    /// Every metric file, by path, with its name, title, description and tables.
    func list() -> [Schemas.Metric] {
        let categories = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var entries: [Schemas.Metric] = []
        for category in categories.sorted() where MetricFiles.isName(category) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(category).path)) ?? []
            for file in files.sorted() where file.hasSuffix(".yml") && MetricFiles.isName(String(file.dropLast(4))) {
                let path = category + "/" + file
                let full = root.appendingPathComponent(path).path
                let attributes = try? FileManager.default.attributesOfItem(atPath: full)
                let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
                let modified = attributes?[.modificationDate] as? Date ?? .distantPast
                if let known = MetricFiles.parsed.withLock({ $0[full] }), known.size == size, known.modified == modified {
                    entries.append(known.metric)
                    continue
                }
                let definition = (try? definition(path: path)) ?? [:]
                var tables = (definition["tables"] as? [Any])?.compactMap { $0 as? String } ?? []
                if let table = definition["table"] as? String, !tables.contains(table) { tables.insert(table, at: 0) }
                let metric = Schemas.Metric(
                    path: path, category: category, name: (definition["name"] as? String) ?? String(file.dropLast(4)),
                    displayName: definition["display_name"] as? String, description: definition["description"] as? String,
                    tables: tables)
                MetricFiles.parsed.withLock { cache in
                    if cache.count >= 10_000 { cache.removeAll() }  // bounded: files come and go
                    cache[full] = (size, modified, metric)
                }
                entries.append(metric)
            }
        }
        return entries
    }

    /// The file at `path` as JSON (the parsed YAML); 400 for a path outside the rule, 404 when missing.
    func json(path: String) throws -> String {
        let value = try parsed(path: path)
        guard let data = try? JSONSerialization.data(withJSONObject: MetricFiles.jsonSafe(value), options: [.fragmentsAllowed]) else {
            throw APIError(.internalServerError, "Metric file \(path) cannot be shown as JSON")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The first mapping of the file (a single mapping is accepted too).
    func definition(path: String) throws -> [String: Any] {
        let value = try parsed(path: path)
        if let list = value as? [Any], let first = list.first as? [String: Any] { return first }
        return value as? [String: Any] ?? [:]
    }

    private func parsed(path: String) throws -> Any {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, MetricFiles.isName(String(parts[0])), parts[1].hasSuffix(".yml"),
            MetricFiles.isName(String(parts[1].dropLast(4)))
        else { throw APIError(.badRequest, "Invalid metric path") }
        let file = root.appendingPathComponent(String(parts[0])).appendingPathComponent(String(parts[1]))
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { throw APIError(.notFound, "Metric file not found") }
        do {
            return try Yams.load(yaml: text) ?? NSNull()
        } catch {
            throw APIError(.unprocessableContent, "Metric file \(path) is not valid YAML: \(error)")
        }
    }

    /// `^[a-z0-9_]+$`: the reference's rule for categories and file names (`^[a-z_]+$`) plus digits, which metric
    /// names exported from OpenMetadata carry (`m1_margin`).
    static func isName(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy {
                $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
    }

    /// YAML values JSON can carry (dates become ISO strings, other scalars their text).
    static func jsonSafe(_ value: Any) -> Any {
        switch value {
        case let list as [Any]: return list.map(jsonSafe)
        case let mapping as [String: Any]: return mapping.mapValues(jsonSafe)
        case let mapping as [AnyHashable: Any]:
            return Dictionary(mapping.map { ("\($0.key)", jsonSafe($0.value)) }, uniquingKeysWith: { first, _ in first })
        case let date as Date: return WireJSONEncoder.timestamp(date)
        case is String, is Int, is Double, is Bool, is NSNull: return value
        default: return "\(value)"
        }
    }
}
