import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// `/catalog`: every registered table grouped by bucket, with search and filters; tables the viewer may not read
/// stay visible with a "Request access" form. `/catalog/tables/<id>`: one table — description, columns, the
/// profile (overview, alerts, missing values, distributions as inline SVG, top values, relationships), sample rows
/// for readers, and the metrics that use it. `/catalog/metrics/<category>/<file>`: one metric definition.
/// The list reads only the registry and the manifest; a profile is read when its table's page is opened.
struct CatalogPages {
    let ui: WebUI
    let catalog: CatalogController
    let permissions: Permissions
    let directory: DataDirectory

    static let notices = [
        "requested": "Access requested. An administrator will review it; the table appears in your next da sync once approved."
    ]

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("catalog") { request, context in try await list(request, context: context) }
        pages.get("catalog/tables/:id") { request, context in try await table(request, context: context) }
        pages.post("catalog/tables/:id/request-access") { request, context in try await requestAccess(request, context: context) }
        pages.get("catalog/metrics/:category/:file") { request, context in try await metric(request, context: context) }
    }

    // MARK: - The list

    /// A table as the list shows it.
    struct Row: Sendable {
        let id: String
        let href: String
        let name: String
        let description: String?
        let source: String
        let mode: String
        let remote: Bool
        let rows: String?
        let size: String?
        let lastSync: WebFormat.Moment?
        let canRead: Bool
        let requested: Bool
        /// The id of the row's reason field.
        let inputID: String
    }

    /// One bucket of tables.
    struct Bucket: Sendable {
        let name: String
        let anchor: String
        var tables: [Row]
    }

    /// Tables on one page of the list.
    static let perPage = 200

    /// One choice of a filter's menu.

    struct ListValues: Sendable {
        let query: String
        let sources: [WebUI.Choice]
        let modes: [WebUI.Choice]
        let access: [WebUI.Choice]
        let buckets: [Bucket]
        let shown: Int
        let total: Int
        /// `201–400`: the tables on this page.
        let range: String
        let previous: String?
        let next: String?
        let filtered: Bool
        let empty: Bool
        let metrics: [MetricLink]
        let hasMetrics: Bool
    }

    struct MetricLink: Sendable {
        let href: String
        let title: String
        let description: String?
        let category: String
    }

    func list(_ request: Request, context: AppRequestContext, problem: String? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        let user = try context.requireUser()
        let query = request.pageQuery
        let text = query["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let source = query["source"] ?? "", mode = query["mode"] ?? ""
        let access = query["access"] ?? ""
        let all = try await catalog.tables(for: user)
        let pending = Set(try await permissions.requests(userID: user.id).filter { $0.status == "pending" }.map(\.tableID))
        let needle = text.lowercased()
        let shown = all.filter { table in
            (needle.isEmpty
                || [table.id, table.name, table.description ?? "", table.bucket ?? ""].contains { $0.lowercased().contains(needle) })
                && (source.isEmpty || (table.sourceType ?? "") == source)
                && (mode.isEmpty || table.queryMode.rawValue == mode)
                && (access.isEmpty || (access == "readable") == table.canRead)
        }
        // By bucket, then name; a page holds `perPage` tables (a thousand rows are slow to send and to read).
        let ordered = shown.sorted { ($0.bucket ?? "default", $0.name) < ($1.bucket ?? "default", $1.name) }
        let pages = max(1, (ordered.count + CatalogPages.perPage - 1) / CatalogPages.perPage)
        let page = min(max(1, query["page"].flatMap { Int($0) } ?? 1), pages)
        let slice = ordered.dropFirst((page - 1) * CatalogPages.perPage).prefix(CatalogPages.perPage)
        var position = 0, buckets: [Bucket] = []
        for table in slice {
            position += 1
            let row = row(table, requested: pending.contains(table.id), inputID: "reason-\(position)")
            let name = table.bucket ?? "default"
            if buckets.last?.name == name {
                buckets[buckets.count - 1].tables.append(row)
            } else {
                buckets.append(Bucket(name: name, anchor: "bucket-\(position)", tables: [row]))
            }
        }
        func link(_ page: Int) -> String {
            "/catalog" + WebFormat.query([("q", text), ("source", source), ("mode", mode), ("access", access), ("page", String(page))])
        }
        let sources = Set(all.compactMap(\.sourceType)).sorted().map { WebUI.Choice(value: $0, label: $0, selected: $0 == source) }
        let metrics = MetricFiles(root: directory.docs.appendingPathComponent("metrics")).list().map(CatalogPages.metricLink)
        let values = ListValues(
            query: text, sources: sources,
            modes: [("local", "Local (in da sync)"), ("remote", "Remote (server only)")].map {
                WebUI.Choice(value: $0.0, label: $0.1, selected: $0.0 == mode)
            },
            access: [("readable", "Tables I can read"), ("locked", "Tables I cannot read")].map {
                WebUI.Choice(value: $0.0, label: $0.1, selected: $0.0 == access)
            },
            buckets: buckets, shown: shown.count, total: all.count,
            range: shown.isEmpty ? "" : "\((page - 1) * CatalogPages.perPage + 1)–\((page - 1) * CatalogPages.perPage + slice.count)",
            previous: page > 1 ? link(page - 1) : nil, next: page < pages ? link(page + 1) : nil,
            filtered: !(text.isEmpty && source.isEmpty && mode.isEmpty && access.isEmpty), empty: shown.isEmpty,
            metrics: metrics, hasMetrics: !metrics.isEmpty)
        return try ui.page(
            .catalog, title: "Data catalog", values, request: request, context: context, status: status,
            notice: WebUI.notice(request, CatalogPages.notices), problem: problem)
    }

    private func row(_ table: Schemas.CatalogTable, requested: Bool, inputID: String) -> Row {
        Row(
            id: table.id, href: "/catalog/tables/" + WebFormat.segment(table.id), name: table.name,
            description: table.description, source: table.sourceType ?? "—", mode: table.queryMode.rawValue,
            remote: table.queryMode == .remote, rows: WebFormat.count(table.rows), size: WebFormat.bytes(table.sizeBytes),
            lastSync: WebFormat.moment(table.lastSync), canRead: table.canRead, requested: requested, inputID: inputID)
    }

    static func metricLink(_ metric: Schemas.Metric) -> MetricLink {
        let parts = metric.path.split(separator: "/").map(String.init)
        return MetricLink(
            href: "/catalog/metrics/" + parts.map(WebFormat.segment).joined(separator: "/"),
            title: metric.displayName ?? metric.name, description: metric.description, category: metric.category)
    }

    // MARK: - Access requests

    func requestAccess(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("id")
        let reason = (try context.requireForm()).text("reason") ?? ""
        guard reason.count <= 1_000 else {
            return try await list(
                request, context: context, problem: "Keep the reason under 1,000 characters.", status: .unprocessableContent)
        }
        guard let table = try await catalog.table(id, for: user) else {
            throw APIError(.notFound, "There is no table \(id) in the catalog.")
        }
        guard !table.canRead else { return WebUI.redirect(to: "/catalog/tables/" + WebFormat.segment(id)) }
        do {
            _ = try await permissions.request(user: user, tableID: id, reason: reason)
        } catch Permissions.PermissionError.duplicatePendingRequest {
            return try await list(
                request, context: context, problem: "You already asked for \(table.name); an administrator has not answered yet.",
                status: .conflict)
        }
        return WebUI.redirect(to: "/catalog", notice: "requested")
    }

    // MARK: - One table

    struct TableValues: Sendable {
        struct Fact: Sendable {
            let label: String
            let value: String
        }
        struct ColumnRow: Sendable {
            let name: String
            let type: String
            let description: String?
            let completeness: String?
            let key: Bool
        }
        let id: String
        let name: String
        let description: String?
        let catalogDescription: String?
        let catalogURL: String?
        let owners: String?
        let tags: String?
        let facts: [Fact]
        let canRead: Bool
        let requested: Bool
        let columns: [ColumnRow]
        let hasColumns: Bool
        let profile: ProfileView?
        let noProfile: Bool
        let remote: Bool
        let metrics: [MetricLink]
        let hasMetrics: Bool
    }

    func table(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("id")
        guard let table = try await catalog.table(id, for: user) else {
            throw APIError(.notFound, "There is no table \(id) in the catalog.")
        }
        let requested = try await permissions.requests(userID: user.id).contains { $0.tableID == id && $0.status == "pending" }
        let stored = table.canRead && table.queryMode == .local ? try await catalog.profile(of: id) : nil
        let enrichment = table.catalog
        let columnNotes = Dictionary(
            (enrichment?.columns ?? []).map { ($0.name, $0.description) }, uniquingKeysWith: { first, _ in first })
        var columns: [TableValues.ColumnRow] = []
        if table.canRead {
            if let profile = stored?.0 {
                columns = profile.columns.map {
                    TableValues.ColumnRow(
                        name: $0.name, type: $0.type, description: columnNotes[$0.name] ?? nil,
                        completeness: String(format: "%.1f %%", $0.completenessPct), key: $0.isPrimaryKey)
                }
            } else if let published = catalog.manifest.table(id) {
                columns = published.columns.map {
                    TableValues.ColumnRow(
                        name: $0.name, type: $0.type, description: columnNotes[$0.name] ?? nil, completeness: nil, key: false)
                }
            }
        }
        let metrics = MetricFiles(root: directory.docs.appendingPathComponent("metrics")).list()
            .filter { $0.tables.contains(id) || $0.tables.contains(table.name) }.map(CatalogPages.metricLink)
        var facts: [TableValues.Fact] = [
            .init(label: "Id", value: table.id), .init(label: "Bucket", value: table.bucket ?? "default"),
            .init(label: "Source", value: table.sourceType ?? "—"),
            .init(label: "Query mode", value: table.queryMode == .remote ? "remote (queried on the server)" : "local (synced by da sync)"),
            .init(label: "Sync strategy", value: table.syncStrategy.rawValue),
        ]
        if let rows = WebFormat.count(table.rows) { facts.append(.init(label: "Rows", value: rows)) }
        if let size = WebFormat.bytes(table.sizeBytes) { facts.append(.init(label: "Size", value: size)) }
        if let tier = enrichment?.tier { facts.append(.init(label: "Tier", value: tier)) }
        let values = TableValues(
            id: id, name: table.name, description: table.description,
            catalogDescription: enrichment?.description == table.description ? nil : enrichment?.description,
            catalogURL: enrichment?.catalogUrl.flatMap(CatalogPages.webLink),
            owners: enrichment.flatMap { $0.owners.isEmpty ? nil : $0.owners.joined(separator: ", ") },
            tags: enrichment.flatMap { $0.tags.isEmpty ? nil : $0.tags.joined(separator: ", ") }, facts: facts,
            canRead: table.canRead, requested: requested, columns: columns, hasColumns: !columns.isEmpty,
            profile: stored.map { ProfileView($0.0, profiledAt: $0.profiledAt) },
            noProfile: table.canRead && table.queryMode == .local && stored == nil, remote: table.queryMode == .remote, metrics: metrics,
            hasMetrics: !metrics.isEmpty)
        return try ui.page(.catalogTable, title: table.name, values, request: request, context: context)
    }

    /// `text` if it is an http(s) URL (a link from the catalog); never a `javascript:` or other scheme.
    static func webLink(_ text: String) -> String? {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false
        else { return nil }
        return text
    }

    // MARK: - Metrics

    struct MetricValues: Sendable {
        struct Field: Sendable {
            let label: String
            let value: String
        }
        let title: String
        let description: String?
        let category: String
        let fields: [Field]
        let sql: String?
        let examples: [Example]
        let hasExamples: Bool
        let tables: [TableLink]
        let hasTables: Bool
        struct Example: Sendable {
            let title: String
            let sql: String
        }
        struct TableLink: Sendable {
            let name: String
            let href: String
        }
    }

    func metric(_ request: Request, context: AppRequestContext) async throws -> Response {
        let path = try context.parameters.require("category") + "/" + context.parameters.require("file")
        let files = MetricFiles(root: directory.docs.appendingPathComponent("metrics"))
        let definition = try files.definition(path: path)
        func text(_ key: String) -> String? {
            switch definition[key] {
            case let value as String: return value.isEmpty ? nil : value
            case let value as Int: return String(value)
            case let value as Double: return String(value)
            case let value as [Any]: return value.map { "\($0)" }.joined(separator: ", ")
            default: return nil
            }
        }
        let known = ["name", "display_name", "description", "category", "sql", "examples", "sql_examples", "table", "tables"]
        let fields = definition.keys.filter { !known.contains($0) }.sorted().compactMap { key in
            text(key).map { MetricValues.Field(label: key.replacingOccurrences(of: "_", with: " ").capitalized, value: $0) }
        }
        let rawExamples = (definition["examples"] ?? definition["sql_examples"]) as? [Any] ?? []
        let examples = rawExamples.enumerated().compactMap { index, example -> MetricValues.Example? in
            if let sql = example as? String { return .init(title: "Example \(index + 1)", sql: sql) }
            guard let mapping = example as? [String: Any], let sql = mapping["sql"] as? String else { return nil }
            return .init(
                title: (mapping["title"] as? String) ?? (mapping["description"] as? String) ?? (mapping["question"] as? String)
                    ?? "Example \(index + 1)",
                sql: sql)
        }
        var tableNames = (definition["tables"] as? [Any])?.compactMap { $0 as? String } ?? []
        if let single = definition["table"] as? String, !tableNames.contains(single) { tableNames.insert(single, at: 0) }
        let tables = tableNames.map { MetricValues.TableLink(name: $0, href: "/catalog/tables/" + WebFormat.segment($0)) }
        let values = MetricValues(
            title: text("display_name") ?? text("name") ?? path, description: text("description"),
            category: String(path.prefix { $0 != "/" }), fields: fields, sql: text("sql"), examples: examples,
            hasExamples: !examples.isEmpty, tables: tables, hasTables: !tables.isEmpty)
        return try ui.page(.catalogMetric, title: values.title, values, request: request, context: context)
    }
}
