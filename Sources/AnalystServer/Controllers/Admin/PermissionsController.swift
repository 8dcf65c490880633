import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// `/api/admin/permissions` (admin): grant, revoke and list explicit dataset permissions (reference §1.14).
struct PermissionsController {
    let permissions: Permissions
    let users: UserRepository

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post { request, _ -> WireResponse<Schemas.Permission> in
            let body = try await request.decodeJSON(Schemas.PermissionRequest.self)
            let dataset = try PermissionsController.dataset(body.dataset)
            let access = body.access.map(Permissions.Access.init) ?? .read
            guard try await users.find(id: body.userId) != nil else { throw APIError(.notFound, "User not found") }
            try await permissions.grant(userID: body.userId, dataset: dataset, access: access)
            return WireResponse(.init(userId: body.userId, dataset: dataset, access: .init(access)), status: .created)
        }
        group.delete { request, _ -> WireResponse<Schemas.PermissionRevoked> in
            let body = try await request.decodeJSON(Schemas.PermissionRequest.self)
            try await permissions.revoke(userID: body.userId, dataset: try PermissionsController.dataset(body.dataset))
            return WireResponse(.init(revoked: true))
        }
        group.get { _, _ -> WireResponse<Schemas.PermissionList> in
            WireResponse(.init(permissions: try await permissions.grants().map(Schemas.Permission.init)))
        }
        group.get(":user_id") { _, context -> WireResponse<Schemas.UserPermissions> in
            let userID = try context.parameters.require("user_id")
            return WireResponse(
                .init(userId: userID, permissions: try await permissions.grants(userID: userID).map(Schemas.Permission.init)))
        }
    }

    /// A table id or `<bucket>.*`, trimmed the same way for a grant and a revocation.
    static func dataset(_ text: String) throws -> String {
        let dataset = text.trimmingCharacters(in: .whitespaces)
        guard !dataset.isEmpty else { throw APIError(.unprocessableContent, "dataset must not be empty") }
        return dataset
    }
}
