import AnalystCore
import Foundation
import Hummingbird

/// `/api/admin/permissions` (admin): grant, revoke and list explicit dataset permissions (reference §1.14).
struct PermissionsController {
    let permissions: Permissions
    let users: UserRepository

    struct GrantRequest: Decodable {
        var user_id: String
        var dataset: String
        var access: String?
    }

    struct GrantResponse: ResponseEncodable {
        var user_id: String
        var dataset: String
        var access: Permissions.Access

        init(userID: String, dataset: String, access: Permissions.Access) {
            user_id = userID
            self.dataset = dataset
            self.access = access
        }

        init(_ grant: Permissions.Grant) {
            self.init(userID: grant.userID, dataset: grant.dataset, access: grant.access)
        }
    }

    struct AllResponse: ResponseEncodable {
        var permissions: [GrantResponse]
    }

    struct UserPermissionsResponse: ResponseEncodable {
        var user_id: String
        var permissions: [GrantResponse]
    }

    struct RevokedResponse: ResponseEncodable {
        var revoked = true
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post { request, _ -> EditedResponse<GrantResponse> in
            let body = try await request.decodeJSON(GrantRequest.self)
            let dataset = body.dataset.trimmingCharacters(in: .whitespaces)
            guard !dataset.isEmpty else { throw APIError(.unprocessableContent, "dataset must not be empty") }
            guard let access = Permissions.Access(rawValue: body.access ?? "read") else {
                throw APIError(.unprocessableContent, "access must be \"read\" or \"none\"")
            }
            guard try await users.find(id: body.user_id) != nil else { throw APIError(.notFound, "User not found") }
            try await permissions.grant(userID: body.user_id, dataset: dataset, access: access)
            return EditedResponse(
                status: .created, response: GrantResponse(userID: body.user_id, dataset: dataset, access: access))
        }
        group.delete { request, _ -> RevokedResponse in
            let body = try await request.decodeJSON(GrantRequest.self)
            try await permissions.revoke(userID: body.user_id, dataset: body.dataset)
            return RevokedResponse()
        }
        group.get { _, _ -> AllResponse in
            AllResponse(permissions: try await permissions.grants().map(GrantResponse.init))
        }
        group.get(":user_id") { _, context -> UserPermissionsResponse in
            let userID = try context.parameters.require("user_id")
            return UserPermissionsResponse(
                user_id: userID, permissions: try await permissions.grants(userID: userID).map(GrantResponse.init))
        }
    }
}
