import Foundation

/// The real `da` of one analyst against one `ServerProcess`: its own config folder and workspace under a test's
/// directory. Servers started with `seedAdmin` in their environment have an admin it can sign in as.
public struct AnalystCLI: Sendable {
    public static let adminEmail = "admin@example.com"
    public static let adminPassword = "a long password"
    /// The server environment that seeds that admin.
    public static let seedAdmin = ["SEED_ADMIN_EMAIL": adminEmail, "SEED_ADMIN_PASSWORD": adminPassword]

    public var environment: [String: String]

    public init(directory: TemporaryDirectory, server: ServerProcess) {
        environment = [
            "DA_CONFIG_DIR": directory.appending("da-config"), "DA_SERVER": server.baseURL.absoluteString,
            "DA_LOCAL_DIR": directory.appending("workspace"),
        ]
    }

    /// The same analyst against another server process (e.g. the same data directory after a restart).
    public func pointed(at server: ServerProcess) -> AnalystCLI {
        var copy = self
        copy.environment["DA_SERVER"] = server.baseURL.absoluteString
        return copy
    }

    /// `da <arguments>`, with `input` on standard input.
    public func callAsFunction(_ arguments: [String], input: String? = nil) async throws -> CLIProcess.Result {
        try await CLIProcess.run(arguments, environment: environment, input: input)
    }

    /// `da auth login` as the seeded admin.
    public func signInAsAdmin() async throws -> CLIProcess.Result {
        try await self(
            ["auth", "login", "--email", AnalystCLI.adminEmail, "--password-stdin"], input: AnalystCLI.adminPassword + "\n")
    }

    /// JSON calls to `server` as the seeded admin (signed in with `POST /auth/token`): `api("POST", "/api/x", body)`
    /// answers the response object and its status.
    public static func adminAPI(
        _ server: ServerProcess
    ) async throws -> @Sendable (_ method: String, _ path: String, _ body: (any Sendable)?) async throws -> ([String: Any], Int) {
        let (login, _) = try await HTTP.object(
            "POST", server.baseURL.appendingPathComponent("auth/token"), json: ["email": adminEmail, "password": adminPassword])
        guard let token = login["access_token"] as? String else { throw AdminSignInFailed(answer: "\(login)") }
        let base = server.baseURL.absoluteString
        return { method, path, body in
            guard let url = URL(string: base + path) else { throw AdminSignInFailed(answer: "not a path: \(path)") }
            return try await HTTP.object(method, url, token: token, json: body)
        }
    }

    /// The seeded admin could not sign in.
    public struct AdminSignInFailed: Error {
        public let answer: String
    }
}
