import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// `/admin/users` (admin): everyone's account and role; invite (a setup link mailed, or shown to copy), change a
/// role, make a new setup link, delete (never the last admin). `/admin/permissions` (admin): the access-request
/// queue (approve / deny), explicit grants (grant, revoke). The checks are the API's (`UsersController`,
/// `Permissions`).
struct AdminUsersPages {
    let ui: WebUI
    let users: UsersController
    let permissions: Permissions
    let registry: TableRegistry
    let mailConfigured: Bool

    static let notices = [
        "role": "The role is changed; the user's sessions now carry it.",
        "deleted": "The user is deleted and signed out everywhere.",
        "approved": "Approved: the user can read the table from their next da sync.",
        "denied": "The request is denied.",
        "granted": "Access granted.",
        "revoked": "Access revoked.",
    ]

    func addRoutes(to admin: RouterGroup<AppRequestContext>) {
        admin.get("admin/users") { request, context in try await usersPage(request, context: context) }
        admin.post("admin/users") { request, context in try await invite(request, context: context) }
        admin.post("admin/users/:id/role") { request, context in
            let id = try context.parameters.require("id")
            return try await WebUI.attempt {
                guard let role = Role(rawValue: (try context.requireForm())["role"] ?? "") else {
                    throw APIError(.unprocessableContent, "Choose a role: \(Role.allowedValues)")
                }
                _ = try await users.users.update(id: id, name: nil, role: role)
                return WebUI.redirect(to: "/admin/users", notice: "role")
            } again: {
                try await usersPage(request, context: context, problem: $0, status: $1)
            }
        }
        admin.post("admin/users/:id/setup-link") { request, context in
            let id = try context.parameters.require("id")
            return try await WebUI.attempt {
                let link = try await users.setupLink(
                    for: id, request: request, sendEmail: (try context.requireForm())["send_email"] == "on" && mailConfigured)
                return try await usersPage(request, context: context, link: link)
            } again: {
                try await usersPage(request, context: context, problem: $0, status: $1)
            }
        }
        admin.post("admin/users/:id/delete") { request, context in
            let id = try context.parameters.require("id")
            return try await WebUI.attempt {
                guard id != (try context.requireUser().id) else {
                    throw APIError(.conflict, "You cannot delete your own account here; ask another admin.")
                }
                try await users.users.delete(id: id)
                return WebUI.redirect(to: "/admin/users", notice: "deleted")
            } again: {
                try await usersPage(request, context: context, problem: $0, status: $1)
            }
        }
        admin.get("admin/permissions") { request, context in try await permissionsPage(request, context: context) }
        admin.post("admin/access-requests/:id/:decision") { request, context in
            let id = try context.parameters.require("id"), decision = try context.parameters.require("decision")
            return try await WebUI.attempt {
                switch decision {
                case "approve": try await permissions.approve(requestID: id, reviewer: try context.requireUser())
                case "deny": try await permissions.deny(requestID: id, reviewer: try context.requireUser())
                default: throw APIError(.notFound, "Not Found")
                }
                return WebUI.redirect(to: "/admin/permissions", notice: decision == "approve" ? "approved" : "denied")
            } again: {
                try await permissionsPage(request, context: context, problem: $0, status: $1)
            }
        }
        admin.post("admin/permissions") { request, context in
            let form = try context.requireForm()
            return try await WebUI.attempt {
                let dataset = try PermissionsController.dataset(form["dataset"] ?? "")
                guard let userID = form.text("user_id"), try await users.users.find(id: userID) != nil else {
                    throw APIError(.unprocessableContent, "Choose a user.")
                }
                if form["revoke"] == "1" {
                    try await permissions.revoke(userID: userID, dataset: dataset)
                    return WebUI.redirect(to: "/admin/permissions", notice: "revoked")
                }
                let access = Permissions.Access(rawValue: form["access"] ?? "read") ?? .read
                try await permissions.grant(userID: userID, dataset: dataset, access: access)
                return WebUI.redirect(to: "/admin/permissions", notice: "granted")
            } again: {
                try await permissionsPage(request, context: context, problem: $0, status: $1)
            }
        }
    }

    // MARK: - Users

    struct UserRow: Sendable {
        let id: String
        let name: String
        let email: String
        let role: String
        let roles: [WebUI.Choice]
        let created: WebFormat.Moment?
        let isSelf: Bool
        let roleID: String
        let base: String
    }

    struct LinkShown: Sendable {
        let email: String
        let link: String
        let emailed: Bool
        let emailError: String?
        let expires: WebFormat.Moment?
    }

    struct UsersValues: Sendable {
        let users: [UserRow]
        let roles: [WebUI.Choice]
        let mailConfigured: Bool
        let link: LinkShown?
        let draftEmail: String
        let draftName: String
    }

    func usersPage(
        _ request: Request, context: AppRequestContext, link: Schemas.SetupLink? = nil, problem: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let me = try context.requireUser()
        let form = context.form
        let rows = try await users.users.list().sorted { $0.email < $1.email }.enumerated().map { index, user in
            UserRow(
                id: user.id, name: user.name ?? "", email: user.email, role: user.role.rawValue,
                roles: Role.allCases.map { WebUI.Choice(value: $0.rawValue, label: $0.rawValue, selected: $0 == user.role) },
                created: WebFormat.moment(user.createdAt), isSelf: user.id == me.id, roleID: "role-\(index)",
                base: "/admin/users/" + WebFormat.segment(user.id))
        }
        let values = UsersValues(
            users: rows,
            roles: Role.allCases.map { WebUI.Choice(value: $0.rawValue, label: $0.rawValue, selected: $0 == .analyst) },
            mailConfigured: mailConfigured,
            link: link.map {
                LinkShown(
                    email: $0.email, link: $0.link, emailed: $0.emailed, emailError: $0.emailError, expires: WebFormat.moment($0.expiresAt))
            },
            draftEmail: link == nil ? form?["email"] ?? "" : "", draftName: link == nil ? form?["name"] ?? "" : "")
        return try ui.page(
            .adminUsers, title: "Users", values, request: request, context: context,
            status: link != nil && status == .ok ? .created : status,
            notice: link.map { $0.emailed ? "Setup link emailed to \($0.email)." : "Setup link made: copy it to \($0.email)." }
                ?? WebUI.notice(request, AdminUsersPages.notices),
            problem: problem)
    }

    func invite(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try context.requireForm()
        return try await WebUI.attempt {
            guard let role = Role(rawValue: form["role"] ?? "analyst") else {
                throw APIError(.unprocessableContent, "Choose a role: \(Role.allowedValues)")
            }
            let user = try await users.create(email: form["email"] ?? "", name: form.text("name"), role: role, password: nil)
            let link = try await users.setupLink(for: user.id, request: request, sendEmail: form["send_email"] == "on" && mailConfigured)
            return try await usersPage(request, context: context, link: link)
        } again: {
            try await usersPage(request, context: context, problem: $0, status: $1)
        }
    }

    // MARK: - Permissions

    struct RequestRow: Sendable {
        let id: String
        let email: String
        let table: String
        let reason: String?
        let created: WebFormat.Moment?
        let approve: String
        let deny: String
    }

    struct GrantRow: Sendable {
        let userID: String
        let email: String
        let dataset: String
        let access: String
    }

    struct PermissionsValues: Sendable {
        let requests: [RequestRow]
        let hasRequests: Bool
        let grants: [GrantRow]
        let hasGrants: Bool
        let users: [WebUI.Choice]
        let datasets: [String]
    }

    func permissionsPage(
        _ request: Request, context: AppRequestContext, problem: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let everyone = try await users.users.list().sorted { $0.email < $1.email }
        let emails = Dictionary(everyone.map { ($0.id, $0.email) }, uniquingKeysWith: { first, _ in first })
        let requests = try await permissions.pendingRequests().map {
            RequestRow(
                id: $0.id, email: $0.userEmail, table: $0.tableID, reason: $0.reason.isEmpty ? nil : $0.reason,
                created: WebFormat.moment($0.createdAt),
                approve: "/admin/access-requests/\(WebFormat.segment($0.id))/approve",
                deny: "/admin/access-requests/\(WebFormat.segment($0.id))/deny")
        }
        let grants = try await permissions.grants().map {
            GrantRow(userID: $0.userID, email: emails[$0.userID] ?? $0.userID, dataset: $0.dataset, access: $0.access.rawValue)
        }
        let tables = try await registry.list()
        let datasets = tables.map(\.id) + Set(tables.compactMap(\.bucket)).sorted().map { $0 + ".*" }
        let values = PermissionsValues(
            requests: requests, hasRequests: !requests.isEmpty, grants: grants, hasGrants: !grants.isEmpty,
            users: everyone.map { WebUI.Choice(value: $0.id, label: $0.email, selected: false) }, datasets: datasets)
        return try ui.page(
            .adminPermissions, title: "Permissions", values, request: request, context: context, status: status,
            notice: WebUI.notice(request, AdminUsersPages.notices), problem: problem)
    }
}
