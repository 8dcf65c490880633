import AnalystCore
import Foundation
import Hummingbird

/// `/api/access-requests`: analysts ask for a table; admins approve (granting `read`) or deny (reference §1.15).
struct AccessRequestsController {
    let permissions: Permissions

    struct CreateRequest: Decodable {
        var table_id: String
        var reason: String?
    }

    struct CreatedResponse: ResponseEncodable {
        var id: String
        var status: String
        var table_id: String
    }

    struct RequestResponse: ResponseEncodable {
        var id: String
        var user_id: String
        var user_email: String
        var table_id: String
        var reason: String
        var status: String
        var reviewed_by: String?
        var reviewed_at: String?
        var created_at: String

        init(_ request: Permissions.AccessRequest) {
            id = request.id
            user_id = request.userID
            user_email = request.userEmail
            table_id = request.tableID
            reason = request.reason
            status = request.status
            reviewed_by = request.reviewedBy
            reviewed_at = request.reviewedAt?.apiTimestamp
            created_at = request.createdAt.apiTimestamp
        }
    }

    struct ListResponse: ResponseEncodable {
        var requests: [RequestResponse]
        var count: Int?
    }

    struct ReviewResponse: ResponseEncodable {
        var status: String
        var id: String
    }

    /// `user` routes need any signed-in user; `admin` routes need an admin.
    func addRoutes(user: RouterGroup<AppRequestContext>, admin: RouterGroup<AppRequestContext>) {
        user.post { request, context -> EditedResponse<CreatedResponse> in
            let body = try await request.decodeJSON(CreateRequest.self)
            let tableID = body.table_id.trimmingCharacters(in: .whitespaces)
            guard !tableID.isEmpty else { throw APIError(.unprocessableContent, "table_id must not be empty") }
            do {
                let created = try await permissions.request(
                    user: try context.requireUser(), tableID: tableID, reason: body.reason ?? "")
                return EditedResponse(
                    status: .created, response: CreatedResponse(id: created.id, status: created.status, table_id: tableID))
            } catch let error as Permissions.PermissionError {
                throw APIError(.conflict, error.description)
            }
        }
        user.get("my") { _, context -> ListResponse in
            let requests = try await permissions.requests(userID: try context.requireUser().id)
            return ListResponse(requests: requests.map(RequestResponse.init))
        }
        admin.get("pending") { _, _ -> ListResponse in
            let requests = try await permissions.pendingRequests()
            return ListResponse(requests: requests.map(RequestResponse.init), count: requests.count)
        }
        admin.post(":id/approve") { _, context -> ReviewResponse in
            try await review(context, approve: true)
        }
        admin.post(":id/deny") { _, context -> ReviewResponse in
            try await review(context, approve: false)
        }
    }

    private func review(_ context: AppRequestContext, approve: Bool) async throws -> ReviewResponse {
        let id = try context.parameters.require("id")
        let reviewer = try context.requireUser()
        do {
            if approve {
                try await permissions.approve(requestID: id, reviewer: reviewer)
            } else {
                try await permissions.deny(requestID: id, reviewer: reviewer)
            }
        } catch let error as Permissions.PermissionError {
            throw APIError(.notFound, error.description)
        }
        return ReviewResponse(status: approve ? "approved" : "denied", id: id)
    }
}
