import AnalystCore
import Foundation
import Hummingbird

/// What happened on the server (admin). `/activity`: the audit log with filters (user, action, resource, time),
/// the sync history and the memory collector's runs. `/admin/scripts`: every user's scripts with their schedule
/// and recent runs.
struct ActivityPages {
    let ui: WebUI
    let audit: AuditLog
    let users: UserRepository
    let history: SyncHistory
    let knowledge: KnowledgeStore
    let scripts: ScriptStore

    func addRoutes(to admin: RouterGroup<AppRequestContext>) {
        admin.get("activity") { request, context in try await activity(request, context: context) }
        admin.get("admin/scripts") { request, context in try await scriptsPage(request, context: context) }
    }

    // MARK: - Activity

    struct AuditRow: Sendable {
        let when: WebFormat.Moment?
        let who: String
        let action: String
        let resource: String?
        let status: Int
        let failed: Bool
        let params: String?
    }

    struct SyncRow: Sendable {
        let when: WebFormat.Moment?
        let table: String
        let href: String
        let status: String
        let rows: String
        let error: String?
    }

    struct RunRow: Sendable {
        let when: WebFormat.Moment?
        let trigger: String
        let status: String
        let summary: String
    }

    struct ActivityValues: Sendable {
        let users: [WebUI.Choice]
        let action: String
        let resource: String
        let since: String
        let until: String
        let entries: [AuditRow]
        let noEntries: Bool
        let filtered: Bool
        let syncs: [SyncRow]
        let hasSyncs: Bool
        let runs: [RunRow]
        let hasRuns: Bool
    }

    func activity(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.pageQuery
        func text(_ name: String) -> String { query[name]?.trimmingCharacters(in: .whitespaces) ?? "" }
        let userID = text("user"), action = text("action"), resource = text("resource"), since = text("since"), until = text("until")
        func day(_ text: String, end: Bool) throws -> Date? {
            guard !text.isEmpty else { return nil }
            guard let date = try? Date(text + (end ? "T23:59:59Z" : "T00:00:00Z"), strategy: .iso8601) else {
                throw APIError(.unprocessableContent, "Dates are YYYY-MM-DD (\(text) is not).")
            }
            return date
        }
        let everyone = try await users.list().sorted { $0.email < $1.email }
        let emails = Dictionary(everyone.map { ($0.id, $0.email) }, uniquingKeysWith: { first, _ in first })
        try await audit.flush()
        let entries = try await audit.search(
            userID: userID.isEmpty ? nil : userID, action: action.isEmpty ? nil : action, resource: resource.isEmpty ? nil : resource,
            since: try day(since, end: false), until: try day(until, end: true), limit: 200
        ).map {
            AuditRow(
                when: WebFormat.moment($0.timestamp), who: $0.userID.flatMap { emails[$0] ?? $0 } ?? "—", action: $0.action,
                resource: $0.resource.flatMap { $0.isEmpty ? nil : $0 }, status: $0.status, failed: $0.status >= 400,
                params: $0.params.flatMap { $0.isEmpty || $0 == "{}" ? nil : $0 })
        }
        let syncs = try await history.list(limit: 50).map {
            SyncRow(
                when: WebFormat.moment($0.syncedAt), table: $0.table, href: "/admin/tables/" + WebFormat.segment($0.table),
                status: $0.status.rawValue, rows: WebFormat.count($0.rows) ?? "0", error: $0.error.flatMap { $0.isEmpty ? nil : $0 })
        }
        let runs = try await knowledge.collections(limit: 20).map {
            RunRow(
                when: WebFormat.moment($0.startedAt), trigger: $0.trigger, status: $0.status.rawValue,
                summary: "\($0.notesChanged) of \($0.notesRead) notes changed; \($0.created) new, \($0.merged) merged"
                    + ($0.error.map { "; \($0)" } ?? ""))
        }
        let values = ActivityValues(
            users: everyone.map { WebUI.Choice(value: $0.id, label: $0.email, selected: $0.id == userID) }, action: action,
            resource: resource, since: since, until: until, entries: entries, noEntries: entries.isEmpty,
            filtered: !(userID.isEmpty && action.isEmpty && resource.isEmpty && since.isEmpty && until.isEmpty), syncs: syncs,
            hasSyncs: !syncs.isEmpty, runs: runs, hasRuns: !runs.isEmpty)
        return try ui.page(.activity, title: "Activity", values, request: request, context: context)
    }

    // MARK: - Scripts

    struct ScriptRow: Sendable {
        let name: String
        let owner: String
        let schedule: String
        let next: WebFormat.Moment?
        let runs: [ScriptRun]
        let hasRuns: Bool
    }

    struct ScriptRun: Sendable {
        let when: WebFormat.Moment?
        let trigger: String
        let outcome: String
        let ok: Bool
        let duration: String
        let notified: Bool
    }

    struct ScriptsValues: Sendable {
        let scripts: [ScriptRow]
        let empty: Bool
    }

    func scriptsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        var rows: [ScriptRow] = []
        for script in try await scripts.list(ownerID: nil) {
            let runs = try await scripts.runs(scriptID: script.id, limit: 5).map { run in
                let ok = run.exitCode == 0 && run.killedBy == nil && run.error == nil
                let outcome =
                    run.killedBy.map { "killed: \($0)" } ?? run.error ?? run.exitCode.map { $0 == 0 ? "ok" : "exit \($0)" }
                    ?? "did not start"
                return ScriptRun(
                    when: WebFormat.moment(run.startedAt), trigger: run.trigger, outcome: outcome, ok: ok,
                    duration: String(format: "%.1f s", Double(run.durationMilliseconds) / 1000), notified: run.notified)
            }
            rows.append(
                ScriptRow(
                    name: script.name, owner: script.ownerEmail ?? script.ownerID, schedule: script.schedule ?? "by hand",
                    next: WebFormat.moment(script.nextRunAt), runs: runs, hasRuns: !runs.isEmpty))
        }
        return try ui.page(
            .adminScripts, title: "Scripts", ScriptsValues(scripts: rows, empty: rows.isEmpty), request: request, context: context)
    }
}
