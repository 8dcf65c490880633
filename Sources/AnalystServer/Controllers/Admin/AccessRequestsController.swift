import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// `/api/access-requests`: analysts ask for a table; admins approve (granting `read`) or deny (reference §1.15).
struct AccessRequestsController {
    let permissions: Permissions

    /// `user` routes need any signed-in user; `admin` routes need an admin.
    func addRoutes(user: RouterGroup<AppRequestContext>, admin: RouterGroup<AppRequestContext>) {
        user.post { request, context -> WireResponse<Schemas.AccessRequestCreated> in
            let body = try await request.decodeJSON(Schemas.AccessRequestCreation.self)
            let tableID = body.tableId.trimmingCharacters(in: .whitespaces)
            guard !tableID.isEmpty else { throw APIError(.unprocessableContent, "table_id must not be empty") }
            let created = try await permissions.request(user: try context.requireUser(), tableID: tableID, reason: body.reason ?? "")
            return WireResponse(.init(id: created.id, status: .pending, tableId: tableID), status: .created)
        }
        user.get("my") { _, context -> WireResponse<Schemas.AccessRequestList> in
            let requests = try await permissions.requests(userID: try context.requireUser().id)
            return WireResponse(.init(requests: requests.map(Schemas.AccessRequest.init), count: requests.count))
        }
        admin.get("pending") { _, _ -> WireResponse<Schemas.AccessRequestList> in
            let requests = try await permissions.pendingRequests()
            return WireResponse(.init(requests: requests.map(Schemas.AccessRequest.init), count: requests.count))
        }
        admin.post(":id/approve") { _, context -> WireResponse<Schemas.AccessRequestReview> in
            try await review(context, approve: true)
        }
        admin.post(":id/deny") { _, context -> WireResponse<Schemas.AccessRequestReview> in
            try await review(context, approve: false)
        }
    }

    private func review(_ context: AppRequestContext, approve: Bool) async throws -> WireResponse<Schemas.AccessRequestReview> {
        let id = try context.parameters.require("id")
        let reviewer = try context.requireUser()
        if approve {
            try await permissions.approve(requestID: id, reviewer: reviewer)
        } else {
            try await permissions.deny(requestID: id, reviewer: reviewer)
        }
        return WireResponse(.init(status: approve ? .approved : .denied, id: id))
    }
}
