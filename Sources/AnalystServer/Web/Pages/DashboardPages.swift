import AnalystCore
import Foundation
import Hummingbird

/// `/dashboard`: the signed-in user's account, how to connect the CLI (the exact `da auth login` command and
/// personal access tokens: create — the secret shown once — and revoke), how fresh their data is, and their
/// Telegram link. The forms post to `/dashboard/*` and come back here.
struct DashboardPages {
    let ui: WebUI
    let tokens: TokensController
    let telegram: TelegramController
    let accessPolicy: AccessPolicy
    let manifest: SyncManifest
    let history: SyncHistory
    let auth: AuthController
    /// The bot's @name for "send /start to …"; `nil` when there is no bot.
    let telegramBot: String?
    let telegramConfigured: Bool

    static let notices = [
        "token_revoked": "The token is revoked: nothing can sign in with it any more.",
        "telegram_linked": "Telegram is linked: notifications will reach that chat.",
        "telegram_unlinked": "Telegram is unlinked: no more notifications go to that chat.",
    ]

    /// What the dashboard shows.
    struct Values: Sendable {
        struct Token: Sendable {
            let id: String
            let name: String
            let prefix: String
            let created: WebFormat.Moment?
            let expires: WebFormat.Moment?
        }
        struct FailingSource: Sendable {
            let source: String
            let tables: String
            let error: String
        }
        let name: String
        let email: String
        let role: String
        let command: String
        let tokens: [Token]
        let hasTokens: Bool
        let newSecret: String?
        let newTokenName: String?
        let tableCount: String
        let rowCount: String
        let lastSync: WebFormat.Moment?
        let failing: [FailingSource]
        let hasFailing: Bool
        let telegramConfigured: Bool
        let telegramBot: String?
        let telegramLinked: Bool
        let telegramLinkedAt: WebFormat.Moment?
    }

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("dashboard") { request, context in
            try await page(request, context: context, notice: WebUI.notice(request, DashboardPages.notices))
        }
        pages.post("dashboard/tokens") { request, context in
            let user = try context.requireUser(), form = try context.requireForm()
            let days = form.text("expires_in_days")
            guard days == nil || Int(days ?? "") != nil else {
                return try await page(
                    request, context: context, problem: "The lifetime must be a whole number of days.", status: .unprocessableContent)
            }
            do {
                let (token, secret) = try await tokens.create(for: user, name: form["name"] ?? "", expiresInDays: days.flatMap { Int($0) })
                return try await page(request, context: context, created: (token.name, secret), status: .created)
            } catch let error as APIError {
                return try await page(request, context: context, problem: error.detail, status: error.status)
            }
        }
        pages.post("dashboard/tokens/:id/revoke") { _, context in
            let user = try context.requireUser()
            guard try await tokens.accessTokens.delete(id: try context.parameters.require("id"), userID: user.id) else {
                throw APIError(.notFound, "There is no such token of yours (it may be revoked already).")
            }
            return WebUI.redirect(to: "/dashboard", notice: "token_revoked")
        }
        pages.post("dashboard/telegram/link") { request, context in
            let user = try context.requireUser()
            do {
                _ = try await telegram.link(code: (try context.requireForm())["code"] ?? "", for: user)
            } catch let error as APIError {
                return try await page(
                    request, context: context, problem: error.detail + ": send /start to the bot for a new one.", status: error.status)
            } catch let error as RateLimitedError {
                return try await page(request, context: context, problem: error.description, status: error.status)
            }
            return WebUI.redirect(to: "/dashboard", notice: "telegram_linked")
        }
        pages.post("dashboard/telegram/unlink") { _, context in
            try await telegram.links.unlink(userID: try context.requireUser().id)
            return WebUI.redirect(to: "/dashboard", notice: "telegram_unlinked")
        }
    }

    func page(
        _ request: Request, context: AppRequestContext, created: (name: String, secret: String)? = nil, notice: String? = nil,
        problem: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let user = try context.requireUser()
        let readable = try await accessPolicy.accessibleTables(for: user)
        let tables = manifest.tables().filter { readable?.contains($0.id) ?? true }
        let latest = try await history.latestPerTable().filter { readable?.contains($0.table) ?? true }
        let failing = Dictionary(grouping: latest.filter { $0.status == .error }) { $0.source ?? "unknown" }
            .sorted { $0.key < $1.key }
            .map { source, entries in
                Values.FailingSource(
                    source: source, tables: entries.map(\.table).sorted().joined(separator: ", "),
                    error: entries.first?.error ?? "failed")
            }
        let link = try await telegram.links.status(userID: user.id)
        let tokenList = try await tokens.accessTokens.list(userID: user.id).map {
            Values.Token(
                id: $0.id, name: $0.name, prefix: $0.prefix, created: WebFormat.moment($0.createdAt),
                expires: WebFormat.moment($0.expiresAt))
        }
        let values = Values(
            name: user.name ?? user.email, email: user.email, role: user.role.rawValue,
            command: "da auth login --server \(auth.baseURL(request))", tokens: tokenList, hasTokens: !tokenList.isEmpty,
            newSecret: created?.secret, newTokenName: created?.name,
            tableCount: WebFormat.count(Int64(tables.count)) ?? "0",
            rowCount: WebFormat.count(tables.reduce(0) { $0 + $1.rows }) ?? "0",
            lastSync: WebFormat.moment(tables.compactMap(\.lastSync).max()), failing: failing, hasFailing: !failing.isEmpty,
            telegramConfigured: telegramConfigured, telegramBot: telegramBot, telegramLinked: link != nil,
            telegramLinkedAt: WebFormat.moment(link?.linkedAt))
        return try ui.page(
            .dashboard, title: "Dashboard", values, request: request, context: context, status: status,
            notice: created == nil ? notice : "Token created. Copy it now: it is not shown again.", problem: problem)
    }
}
