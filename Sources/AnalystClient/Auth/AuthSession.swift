import AnalystAPI
import Foundation
import NIOHTTP1
import Yams

/// Logging in and out of a server, and who the stored token belongs to. The token used is `DA_TOKEN` when set,
/// else `token.json`; the server is `--server` > `DA_SERVER` > the server `token.json` was issued by >
/// `config.yaml` > `http://localhost:8000`.
public struct AuthSession: Sendable {
    /// The server commands go to.
    public let server: String
    /// Where the token is kept (`token.json`).
    public let store: TokenStore
    /// The config directory and workspace in use.
    public let environment: ClientEnvironment
    let environmentToken: String?

    /// The session `--server`, the environment and the config directory choose.
    public init(serverFlag: String?, environment: ClientEnvironment, processEnvironment: [String: String]) {
        let configured = AuthSession.configuredServer(configDirectory: environment.configDirectory)
        store = TokenStore(configDirectory: environment.configDirectory)
        // An unreadable token file is reported by the command that needs the token, not here.
        let loggedIn = (try? store.load())?.flatMap(\.server)
        server = ClientEnvironment.serverURL(
            flag: serverFlag, environment: processEnvironment, loggedIn: loggedIn, configured: configured)
        self.environment = environment
        environmentToken = processEnvironment["DA_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The token requests carry; `nil` when not logged in.
    public func currentToken() throws -> String? {
        try environmentToken ?? store.load()?.access_token
    }

    /// A client for the session's server with the current token; `ClientError.notLoggedIn` without one.
    public func authorizedClient() throws -> APIClient {
        guard let token = try currentToken() else { throw ClientError.notLoggedIn }
        return APIClient(server: server, token: token)
    }

    /// Password login (`POST /auth/token`); stores and returns the token.
    public func login(email: String, password: String) async throws -> StoredToken {
        let grant = try await APIClient(server: server, token: nil)
            .send(.POST, "/auth/token", body: Schemas.LoginRequest(email: email, password: password), as: Schemas.LoginGrant.self)
        let stored = StoredToken(accessToken: grant.accessToken, email: grant.email, role: grant.role.rawValue, server: server)
        try store.save(stored)
        return stored
    }

    /// Login with a personal access token (`da_pat_…`): checked with `GET /auth/me`, then stored.
    public func login(personalAccessToken token: String) async throws -> StoredToken {
        let me = try await APIClient(server: server, token: token).get("/auth/me", as: Schemas.User.self)
        let stored = StoredToken(accessToken: token, email: me.email, role: me.role.rawValue, server: server)
        try store.save(stored)
        return stored
    }

    /// Who the server says the current token belongs to (`GET /auth/me`).
    public func whoami() async throws -> ServerAnswer<Schemas.User> {
        try await authorizedClient().exchange(.GET, "/auth/me", as: Schemas.User.self)
    }

    /// What `logout` did; as JSON `{"removed", "revoked"}`, and `"warning"` when there is one.
    public struct LogoutResult: Sendable, Equatable, Encodable {
        /// The server revoked the token.
        public var revoked: Bool
        /// `token.json` was deleted.
        public var removed: Bool
        /// Why the server could not revoke it (the local file is deleted anyway).
        public var warning: String?

        enum CodingKeys: String, CodingKey {
            case removed, revoked, warning
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(removed, forKey: .removed)
            try container.encode(revoked, forKey: .revoked)
            if let warning { try container.encode(warning, forKey: .warning) }
        }
    }

    /// Revokes the stored token on the server (`POST /auth/logout`) and deletes `token.json`, even when the server
    /// cannot be reached (then the token stays valid on the server until it expires, and the result says so).
    public func logout() async throws -> LogoutResult {
        guard let stored = try store.load() else { throw ClientError.notLoggedIn }
        var result = LogoutResult(revoked: false, removed: false, warning: nil)
        do {
            _ = try await APIClient(server: server, token: stored.access_token).send(.POST, "/auth/logout")
            result.revoked = true
        } catch let error as ClientError {
            result.warning = error.description
        }
        result.removed = try store.delete()
        return result
    }

    /// `server:` from `config.yaml` in the config directory, if any (other keys are not read).
    static func configuredServer(configDirectory: String) -> String? {
        let file = URL(fileURLWithPath: configDirectory).appendingPathComponent("config.yaml")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return (try? YAMLDecoder().decode(ConfigFile.self, from: text))?.server
    }

    /// What `da` reads from `config.yaml`.
    struct ConfigFile: Decodable {
        var server: String?
    }
}
