import AnalystAPI
import AnalystCore
import Connectors
import Foundation
import Hummingbird

/// `/admin/tables` (admin): the table registry — register (by hand or from a source's discovery, e.g. Keboola),
/// each table's last sync, trigger a sync. `/admin/tables/<id>`: edit, schedule, sync now, delete, and the table's
/// sync history. The rules are the registry's and the connectors' (`TableRegistry`, `SourceConnectors.refusal`).
struct AdminTablesPages {
    let ui: WebUI
    let registry: TableRegistry
    let discovery: DiscoveryController
    let connectors: ConnectorSettings
    let jobs: SyncJobs
    let history: SyncHistory

    static let notices = [
        "registered": "The table is registered. Sync it to publish it.",
        "saved": "The table is saved.",
        "deleted": "The table is removed from the registry.",
        "sync": "A sync started; its outcome appears in the history.",
    ]

    /// Source types the form offers (any other lower-case name is accepted too).
    static let sourceTypes =
        [
            FilesSource.sourceName, KeboolaConnector.sourceName, BigQueryConnector.sourceName,
        ] + DatabaseKind.allCases.map(\.rawValue)

    func addRoutes(to admin: RouterGroup<AppRequestContext>) {
        admin.get("admin/tables") { request, context in try await list(request, context: context) }
        admin.post("admin/tables") { request, context in
            let form = try context.requireForm()
            return try await WebUI.attempt {
                var changes = try AdminTablesPages.changes(from: form)
                guard changes.name != nil else { throw APIError(.unprocessableContent, "Give the table a name.") }
                changes.isPublic = changes.isPublic ?? false
                let table = try await registry.register(
                    changes, by: try context.requireUser().email, refusal: { SourceConnectors.refusal(for: $0, settings: connectors) })
                return WebUI.redirect(to: "/admin/tables/" + WebFormat.segment(table.id), notice: "registered")
            } again: {
                try await list(request, context: context, draft: form, problem: $0, status: $1)
            }
        }
        admin.post("admin/tables/sync") { _, _ in
            _ = jobs.trigger(tables: nil)
            return WebUI.redirect(to: "/admin/tables", notice: "sync")
        }
        admin.get("admin/tables/:id") { request, context in try await detail(request, context: context) }
        admin.post("admin/tables/:id") { request, context in
            let id = try context.parameters.require("id"), form = try context.requireForm()
            return try await WebUI.attempt {
                var changes = try AdminTablesPages.changes(from: form)
                changes.isPublic = changes.isPublic ?? false
                changes.profileAfterSync = changes.profileAfterSync ?? false
                try await registry.update(id: id, changes, refusal: { SourceConnectors.refusal(for: $0, settings: connectors) })
                return WebUI.redirect(to: "/admin/tables/" + WebFormat.segment(id), notice: "saved")
            } again: {
                try await detail(request, context: context, draft: form, problem: $0, status: $1)
            }
        }
        admin.post("admin/tables/:id/sync") { _, context in
            let id = try context.parameters.require("id")
            guard try await registry.find(id: id) != nil else { throw APIError(.notFound, "There is no table \(id).") }
            _ = jobs.trigger(tables: [id])
            return WebUI.redirect(to: "/admin/tables/" + WebFormat.segment(id), notice: "sync")
        }
        admin.post("admin/tables/:id/delete") { _, context in
            try await registry.delete(id: try context.parameters.require("id"))
            return WebUI.redirect(to: "/admin/tables", notice: "deleted")
        }
    }

    /// The registry fields a form sets; an empty text clears a field (as in the API).
    static func changes(from form: WebForm) throws -> Schemas.TableChanges {
        var changes = Schemas.TableChanges()
        func text(_ name: String) -> String? { form[name].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } }
        changes.name = text("name").flatMap { $0.isEmpty ? nil : $0 }
        changes.sourceType = text("source_type")
        changes.bucket = text("bucket")
        changes.sourceTable = text("source_table")
        changes.primaryKey = text("primary_key")
        changes.description = form["description"]
        changes.syncSchedule = text("sync_schedule")
        changes.partitionBy = text("partition_by")
        changes.cursorColumn = text("cursor_column")
        if let strategy = text("sync_strategy"), !strategy.isEmpty {
            guard let parsed = Schemas.SyncStrategy(rawValue: strategy) else {
                throw APIError(.unprocessableContent, "Choose a sync strategy.")
            }
            changes.syncStrategy = parsed
        }
        if let mode = text("query_mode"), !mode.isEmpty {
            guard let parsed = Schemas.QueryMode(rawValue: mode) else { throw APIError(.unprocessableContent, "Choose a query mode.") }
            changes.queryMode = parsed
        }
        // A check box comes after a hidden "off" of the same name: the last value is the box's state.
        if let value = form.values("is_public").last { changes.isPublic = value == "on" }
        if let value = form.values("profile_after_sync").last { changes.profileAfterSync = value == "on" }
        return changes
    }

    // MARK: - The registry

    struct Row: Sendable {
        let id: String
        let name: String
        let href: String
        let source: String
        let bucket: String?
        let strategy: String
        let schedule: String
        let isPublic: Bool
        let lastStatus: String?
        let lastSync: WebFormat.Moment?
        let lastError: String?
    }

    struct Discovered: Sendable {
        let id: String
        let name: String
        let bucket: String
        let rows: String
        let description: String?
        let primaryKey: String
        let registeredAs: String?
        let registeredHref: String?
    }

    struct FormValues: Sendable {
        let name: String
        let sourceType: String
        let bucket: String
        let sourceTable: String
        let primaryKey: String
        let schedule: String
        let description: String
        let partitionBy: String
        let cursorColumn: String
        let isPublic: Bool
        let profileAfterSync: Bool
        let strategies: [WebUI.Choice]
        let modes: [WebUI.Choice]
    }

    struct ListValues: Sendable {
        let tables: [Row]
        let empty: Bool
        let total: Int
        let previous: String?
        let next: String?
        let form: FormValues
        let sourceTypes: [String]
        let discoverSource: String
        let discovered: [Discovered]
        let discoveryRan: Bool
        let discoveryError: String?
        let discoveryEmpty: Bool
    }

    static func form(_ draft: WebForm?, table: RegisteredTable?) -> FormValues {
        func value(_ name: String, _ stored: String?) -> String { draft?[name] ?? stored ?? "" }
        let strategy = draft?["sync_strategy"] ?? table?.syncStrategy.rawValue ?? "full_refresh"
        let mode = draft?["query_mode"] ?? table?.queryMode.rawValue ?? "local"
        return FormValues(
            name: value("name", table?.name), sourceType: value("source_type", table?.sourceType),
            bucket: value("bucket", table?.bucket), sourceTable: value("source_table", table?.sourceTable),
            primaryKey: value("primary_key", table?.primaryKey), schedule: value("sync_schedule", table?.syncSchedule?.description),
            description: value("description", table?.description), partitionBy: value("partition_by", table?.partitionBy),
            cursorColumn: value("cursor_column", table?.cursorColumn),
            isPublic: draft.map { $0.values("is_public").last == "on" } ?? table?.isPublic ?? false,
            profileAfterSync: draft.map { $0.values("profile_after_sync").last == "on" } ?? table?.profileAfterSync ?? true,
            strategies: Schemas.SyncStrategy.allCases.map {
                WebUI.Choice(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == strategy)
            },
            modes: Schemas.QueryMode.allCases.map { WebUI.Choice(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == mode) })
    }

    func list(
        _ request: Request, context: AppRequestContext, draft: WebForm? = nil, problem: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let latest = Dictionary(try await history.latestPerTable().map { ($0.table, $0) }, uniquingKeysWith: { first, _ in first })
        let registered = try await registry.list().sorted { $0.id < $1.id }
        let pages = max(1, (registered.count + CatalogPages.perPage - 1) / CatalogPages.perPage)
        let page = min(max(1, request.pageQuery["page"].flatMap { Int($0) } ?? 1), pages)
        let rows = registered.dropFirst((page - 1) * CatalogPages.perPage).prefix(CatalogPages.perPage).map { table in
            let last = latest[table.id]
            return Row(
                id: table.id, name: table.name, href: "/admin/tables/" + WebFormat.segment(table.id), source: table.sourceType ?? "files",
                bucket: table.bucket.flatMap { $0.isEmpty ? nil : $0 }, strategy: table.syncStrategy.rawValue,
                schedule: table.syncSchedule?.description ?? "by hand",
                isPublic: table.isPublic, lastStatus: last?.status.rawValue, lastSync: WebFormat.moment(last?.syncedAt),
                lastError: last?.error)
        }
        let source = request.pageQuery["discover"] ?? ""
        var discovered: [Discovered] = [], discoveryError: String?
        if !source.isEmpty {
            do {
                let found = try await discovery.discover(source: source)
                discoveryError = found.error
                discovered = found.tables.map { table in
                    Discovered(
                        id: table.id, name: table.name, bucket: table.bucketId, rows: WebFormat.count(Int64(table.rowCount)) ?? "0",
                        description: table.description.flatMap { $0.isEmpty ? nil : $0 },
                        primaryKey: table.primaryKey.joined(separator: ","), registeredAs: table.registeredAs,
                        registeredHref: table.registeredAs.map { "/admin/tables/" + WebFormat.segment($0) })
                }
            } catch let error as APIError {
                discoveryError = error.detail
            }
        }
        let values = ListValues(
            tables: Array(rows), empty: rows.isEmpty, total: registered.count,
            previous: page > 1 ? "/admin/tables?page=\(page - 1)" : nil, next: page < pages ? "/admin/tables?page=\(page + 1)" : nil,
            form: AdminTablesPages.form(draft, table: nil), sourceTypes: AdminTablesPages.sourceTypes,
            discoverSource: source.isEmpty ? KeboolaConnector.sourceName : source, discovered: discovered, discoveryRan: !source.isEmpty,
            discoveryError: discoveryError, discoveryEmpty: !source.isEmpty && discovered.isEmpty && discoveryError == nil)
        return try ui.page(
            .adminTables, title: "Tables", values, request: request, context: context, status: status,
            notice: WebUI.notice(request, AdminTablesPages.notices), problem: problem)
    }

    // MARK: - One table

    struct HistoryRow: Sendable {
        let when: WebFormat.Moment?
        let status: String
        let rows: String
        let size: String
        let duration: String
        let error: String?
    }

    struct DetailValues: Sendable {
        let id: String
        let action: String
        let form: FormValues
        let sourceTypes: [String]
        let history: [HistoryRow]
        let hasHistory: Bool
        let catalogHref: String
    }

    func detail(
        _ request: Request, context: AppRequestContext, draft: WebForm? = nil, problem: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let table = try await registry.find(id: id) else { throw APIError(.notFound, "There is no table \(id) in the registry.") }
        let entries = try await history.list(table: id, limit: 50).map {
            HistoryRow(
                when: WebFormat.moment($0.syncedAt), status: $0.status.rawValue, rows: WebFormat.count($0.rows) ?? "0",
                size: WebFormat.bytes($0.bytes) ?? "", duration: String(format: "%.1f s", Double($0.durationMilliseconds) / 1000),
                error: $0.error.flatMap { $0.isEmpty ? nil : $0 })
        }
        let values = DetailValues(
            id: id, action: "/admin/tables/" + WebFormat.segment(id), form: AdminTablesPages.form(draft, table: table),
            sourceTypes: AdminTablesPages.sourceTypes, history: entries, hasHistory: !entries.isEmpty,
            catalogHref: "/catalog/tables/" + WebFormat.segment(id))
        return try ui.page(
            .adminTable, title: "Table \(table.name)", values, request: request, context: context, status: status,
            notice: WebUI.notice(request, AdminTablesPages.notices), problem: problem)
    }
}
