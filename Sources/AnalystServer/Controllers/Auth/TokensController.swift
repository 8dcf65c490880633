import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// `/api/tokens`: a signed-in user's personal access tokens (for `da` and services).
struct TokensController {
    let accessTokens: PersonalAccessTokens

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post { request, context -> WireResponse<Schemas.TokenCreated> in
            let user = try context.requireUser()
            let body = try await request.decodeJSON(Schemas.CreateTokenRequest.self)
            let (token, secret) = try await create(for: user, name: body.name, expiresInDays: body.expiresInDays)
            return WireResponse(.init(token, secret: secret), status: .created)
        }
        group.get { _, context -> WireResponse<[Schemas.PersonalAccessToken]> in
            let user = try context.requireUser()
            return WireResponse(try await accessTokens.list(userID: user.id).map(Schemas.PersonalAccessToken.init))
        }
        group.delete(":id") { _, context -> HTTPResponse.Status in
            let user = try context.requireUser()
            guard try await accessTokens.delete(id: try context.parameters.require("id"), userID: user.id) else {
                throw APIError(.notFound, "Token not found")
            }
            return .noContent
        }
    }

    /// A new token for `user` and its secret (shown once); 422 for a name outside 1–100 characters or a lifetime
    /// outside 1–3650 days.
    func create(for user: User, name: String, expiresInDays: Int?) async throws -> (PersonalAccessTokens.Token, String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else {
            throw APIError(.unprocessableContent, "name must be 1 to 100 characters")
        }
        if let days = expiresInDays, !(1...3650).contains(days) {
            throw APIError(.unprocessableContent, "expires_in_days must be between 1 and 3650")
        }
        return try await accessTokens.create(userID: user.id, name: name, expiresInDays: expiresInDays)
    }
}
