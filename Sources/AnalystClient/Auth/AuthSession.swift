import Foundation
import NIOHTTP1
import Yams

/// Logging in and out of a server, and who the stored token belongs to. The token used is `DA_TOKEN` when set,
/// else `token.json`; the server is `--server` > `DA_SERVER` > the server `token.json` was issued by >
/// `config.yaml` > `http://localhost:8000`.
public struct AuthSession: Sendable {
    public let server: String
    public let store: TokenStore
    /// The config directory and workspace in use.
    public let environment: ClientEnvironment
    let environmentToken: String?

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

    /// Password login (`POST /auth/token`); stores and returns the token.
    public func login(email: String, password: String) async throws -> StoredToken {
        let answer = try await APIClient(server: server, token: nil)
            .object(.POST, "/auth/token", json: ["email": email, "password": password])
        guard let token = answer["access_token"] as? String else {
            throw ClientError.server(status: 200, detail: "the login answer has no access_token")
        }
        let stored = StoredToken(
            accessToken: token, email: answer["email"] as? String ?? email, role: answer["role"] as? String ?? "", server: server)
        try store.save(stored)
        return stored
    }

    /// Login with a personal access token (`da_pat_…`): checked with `GET /auth/me`, then stored.
    public func login(personalAccessToken token: String) async throws -> StoredToken {
        let me = try await APIClient(server: server, token: token).object(.GET, "/auth/me")
        let stored = StoredToken(
            accessToken: token, email: me["email"] as? String ?? "", role: me["role"] as? String ?? "", server: server)
        try store.save(stored)
        return stored
    }

    /// Who the server says the current token belongs to (`GET /auth/me`).
    public func whoami() async throws -> [String: Any] {
        guard let token = try currentToken() else { throw ClientError.notLoggedIn }
        return try await APIClient(server: server, token: token).object(.GET, "/auth/me")
    }

    /// What `logout` did.
    public struct LogoutResult: Sendable, Equatable {
        /// The server revoked the token.
        public var revoked: Bool
        /// `token.json` was deleted.
        public var removed: Bool
        /// Why the server could not revoke it (the local file is deleted anyway).
        public var warning: String?
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

    /// `server:` from `config.yaml` in the config directory, if any.
    static func configuredServer(configDirectory: String) -> String? {
        let file = URL(fileURLWithPath: configDirectory).appendingPathComponent("config.yaml")
        guard let text = try? String(contentsOf: file, encoding: .utf8),
            let mapping = (try? Yams.load(yaml: text)) as? [String: Any]
        else { return nil }
        return mapping["server"] as? String
    }
}
