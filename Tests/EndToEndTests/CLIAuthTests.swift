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

    /// A token belongs to the server that issued it: after `da auth login --server URL`, later commands go there
    /// without `--server` or `DA_SERVER`, and say so. A server that refuses connections is reported at once.
    @Test func laterCommandsUseTheServerTheTokenCameFromAndARefusedConnectionIsReportedAtOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: ["SEED_ADMIN_EMAIL": "admin@example.com", "SEED_ADMIN_PASSWORD": "a long password"])
        try await server.waitUntilHealthy()
        let url =
            server.baseURL.absoluteString.hasSuffix("/") ? String(server.baseURL.absoluteString.dropLast()) : server.baseURL.absoluteString
        let config = directory.appending("config")
        // config.yaml names another server: the login's server wins over it.
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try "server: http://127.0.0.1:1\n".write(toFile: config + "/config.yaml", atomically: true, encoding: .utf8)
        let environment = ["DA_CONFIG_DIR": config, "DA_LOCAL_DIR": directory.appending("workspace")]

        let login = try await CLIProcess.run(
            ["auth", "login", "--server", url, "--email", "admin@example.com", "--password-stdin"], environment: environment,
            input: "a long password\n")
        #expect(login.status == 0, "\(login.stderr)")
        let whoami = try await CLIProcess.run(["auth", "whoami", "--json"], environment: environment)
        #expect(whoami.status == 0, "\(whoami.stderr)")
        let me = try #require(try JSONSerialization.jsonObject(with: Data(whoami.stdout.utf8)) as? [String: Any])
        #expect(me["email"] as? String == "admin@example.com")
        #expect(me["server"] as? String == url)
        let status = try await CLIProcess.run(["status"], environment: environment)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("Server: \(url)"))
        let sync = try await CLIProcess.run(["sync", "--json"], environment: environment)
        #expect(sync.status == 0, "\(sync.stderr)")
        // An explicit choice still wins.
        let elsewhere = try await CLIProcess.run(
            ["status", "--json"], environment: environment.merging(["DA_SERVER": "http://127.0.0.1:1"]) { _, new in new })
        #expect(elsewhere.status == 1)
        #expect(elsewhere.stderr.contains("http://127.0.0.1:1"))

        #expect(await server.stop() == 0)
        for arguments in [["auth", "whoami"], ["status"], ["sync"]] {
            let started = ContinuousClock.now
            let offline = try await CLIProcess.run(arguments, environment: environment)
            let elapsed = started.duration(to: .now)
            #expect(offline.status == 1, "\(arguments)")
            #expect(offline.stderr.contains("Cannot reach the server at \(url)"), "\(arguments): \(offline.stderr)")
            #expect(offline.stderr.contains("connection refused"), "\(arguments): \(offline.stderr)")
            // Retrying a refused connection took 10 s (whoami, status) to 60 s (sync); a few seconds is generous.
            #expect(elapsed < .seconds(5), "\(arguments) took \(elapsed) to report a refused connection")
        }
    }
}
