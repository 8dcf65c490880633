import Foundation
import TestSupport
import Testing

/// `da auth …` (the real binary) against the real `da-server`.
@Suite(.serialized)
struct CLIAuthTests {
    @Test func loginWhoamiAndLogoutAgainstTheServer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: ["SEED_ADMIN_EMAIL": "admin@example.com", "SEED_ADMIN_PASSWORD": "a long password"])
        try await server.waitUntilHealthy()
        let config = directory.appending("config")
        let environment = ["DA_CONFIG_DIR": config, "DA_SERVER": server.baseURL.absoluteString]

        let refused = try await CLIProcess.run(
            ["auth", "login", "--email", "admin@example.com", "--password-stdin"], environment: environment,
            input: "wrong password\n")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("Invalid email or password"))
        #expect(!FileManager.default.fileExists(atPath: config + "/token.json"), "nothing is stored after a failed login")

        let login = try await CLIProcess.run(
            ["login", "--email", "admin@example.com", "--password-stdin", "--json"], environment: environment,
            input: "a long password\n")
        #expect(login.status == 0, "\(login.stderr)")
        let loggedIn = try #require(try JSONSerialization.jsonObject(with: Data(login.stdout.utf8)) as? [String: Any])
        #expect(loggedIn["email"] as? String == "admin@example.com")
        #expect(loggedIn["role"] as? String == "admin")
        let attributes = try FileManager.default.attributesOfItem(atPath: config + "/token.json")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "the token file is private")
        let stored = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config + "/token.json"))) as? [String: Any])
        let token = try #require(stored["access_token"] as? String)

        let whoami = try await CLIProcess.run(["auth", "whoami"], environment: environment)
        #expect(whoami.status == 0)
        #expect(whoami.stdout.contains("Email:  admin@example.com"))
        #expect(whoami.stdout.contains("Role:   admin"))

        let logout = try await CLIProcess.run(["auth", "logout"], environment: environment)
        #expect(logout.status == 0)
        #expect(logout.stdout.contains("Logged out."))
        #expect(!FileManager.default.fileExists(atPath: config + "/token.json"))
        let (_, status) = try await HTTP.get(
            server.baseURL.appendingPathComponent("auth/me"), headers: ["Authorization": "Bearer \(token)"])
        #expect(status == 401, "logout revoked the token on the server")

        let afterwards = try await CLIProcess.run(["auth", "whoami"], environment: environment)
        #expect(afterwards.status == 1)
        #expect(afterwards.stderr.contains("Not logged in. Run: da auth login"))

        #expect(await server.stop() == 0)
        let offline = try await CLIProcess.run(
            ["auth", "whoami"], environment: environment.merging(["DA_TOKEN": token]) { _, new in new })
        #expect(offline.status == 1)
        #expect(offline.stderr.contains("Cannot reach the server at \(server.baseURL.absoluteString)"))
    }
}
