import AnalystAPI
import Foundation

/// Typed calls for corporate memory (`/api/memory`): what `da memory` does, as the web does.
public struct MemoryClient: Sendable {
    public let api: APIClient

    public init(api: APIClient) {
        self.api = api
    }

    /// A client for the session's server and token; `ClientError.notLoggedIn` when there is no token.
    public init(session: AuthSession) throws {
        self.init(api: try session.authorizedClient())
    }

    /// A page of the items the caller may see (`GET /api/memory`).
    public func list(
        status: String? = nil, category: String? = nil, search: String? = nil, page: Int = 1, perPage: Int = 50
    ) async throws -> ServerAnswer<Schemas.KnowledgeList> {
        var query = [URLQueryItem(name: "page", value: String(page)), URLQueryItem(name: "per_page", value: String(perPage))]
        if let status { query.append(URLQueryItem(name: "status_filter", value: status)) }
        if let category { query.append(URLQueryItem(name: "category", value: category)) }
        if let search { query.append(URLQueryItem(name: "search", value: search)) }
        var components = URLComponents()
        components.queryItems = query
        return try await api.exchange(.GET, "/api/memory?" + (components.percentEncodedQuery ?? ""), as: Schemas.KnowledgeList.self)
    }

    /// One item (`GET /api/memory/{id}`).
    public func item(_ id: String) async throws -> ServerAnswer<Schemas.KnowledgeItem> {
        try await api.exchange(.GET, "/api/memory/\(MemoryClient.component(id))", as: Schemas.KnowledgeItem.self)
    }

    /// Proposes an item (`POST /api/memory`); it starts pending.
    public func propose(_ item: Schemas.KnowledgeCreation) async throws -> ServerAnswer<Schemas.KnowledgeCreated> {
        try await api.exchange(.POST, "/api/memory", body: item, as: Schemas.KnowledgeCreated.self)
    }

    /// Votes 1 or -1 (`POST /api/memory/{id}/vote`); a second vote replaces the first.
    public func vote(_ id: String, _ vote: Int) async throws -> ServerAnswer<Schemas.KnowledgeVoteCounts> {
        try await api.exchange(
            .POST, "/api/memory/\(MemoryClient.component(id))/vote", body: Schemas.KnowledgeVote(vote: vote),
            as: Schemas.KnowledgeVoteCounts.self)
    }

    static func component(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_"))) ?? id
    }
}
