import AnalystCore
import Foundation
import Hummingbird

/// `/api/tokens`: a signed-in user's personal access tokens (for `da` and services).
struct TokensController {
    let accessTokens: PersonalAccessTokens

    struct CreateRequest: Decodable {
        var name: String
        var expires_in_days: Int?
    }

    struct TokenResponse: ResponseEncodable {
        var id: String
        var name: String
        var prefix: String
        var created_at: String
        var expires_at: String?

        init(_ token: PersonalAccessTokens.Token) {
            id = token.id
            name = token.name
            prefix = token.prefix
            created_at = token.createdAt.apiTimestamp
            expires_at = token.expiresAt?.apiTimestamp
        }
    }

    /// The answer to creation: the token and its secret, shown this once.
    struct CreatedResponse: ResponseEncodable {
        var id: String
        var name: String
        var prefix: String
        var created_at: String
        var expires_at: String?
        var token: String

        init(_ token: PersonalAccessTokens.Token, secret: String) {
            id = token.id
            name = token.name
            prefix = token.prefix
            created_at = token.createdAt.apiTimestamp
            expires_at = token.expiresAt?.apiTimestamp
            self.token = secret
        }
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post { request, context -> EditedResponse<CreatedResponse> in
            let user = try context.requireUser()
            let body = try await request.decodeJSON(CreateRequest.self)
            let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(name.count) else {
                throw APIError(.unprocessableContent, "name must be 1 to 100 characters")
            }
            if let days = body.expires_in_days, !(1...3650).contains(days) {
                throw APIError(.unprocessableContent, "expires_in_days must be between 1 and 3650")
            }
            let (token, secret) = try await accessTokens.create(userID: user.id, name: name, expiresInDays: body.expires_in_days)
            return EditedResponse(status: .created, response: CreatedResponse(token, secret: secret))
        }
        group.get { _, context -> [TokenResponse] in
            let user = try context.requireUser()
            return try await accessTokens.list(userID: user.id).map { TokenResponse($0) }
        }
        group.delete(":id") { _, context -> HTTPResponse.Status in
            let user = try context.requireUser()
            guard try await accessTokens.delete(id: try context.parameters.require("id"), userID: user.id) else {
                throw APIError(.notFound, "Token not found")
            }
            return .noContent
        }
    }
}
