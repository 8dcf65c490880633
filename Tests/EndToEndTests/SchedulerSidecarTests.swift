import Foundation
import Synchronization
import TestSupport
import Testing

/// `da-server scheduler` (the seeds' sidecar) drives the schedules of a server whose own scheduler is off.
@Suite struct SchedulerSidecarTests {
    @Test func theSidecarRunsDueTablesOnceOverTheAPI() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = directory.appending("config")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try "sync:\n  schedule_check_seconds: 0\n".write(toFile: config + "/instance.yaml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: [
                "CONFIG_DIR": config, "SEED_ADMIN_EMAIL": "admin@example.com", "SEED_ADMIN_PASSWORD": "a long password",
            ])
        try await server.waitUntilHealthy()
        let environment = ["DA_CONFIG_DIR": directory.appending("da-config"), "DA_SERVER": server.baseURL.absoluteString]
        func da(_ arguments: [String], input: String? = nil) async throws -> CLIProcess.Result {
            try await CLIProcess.run(arguments, environment: environment, input: input)
        }
        func historyCount() async throws -> Int {
            let result = try await da(["admin", "tables", "history", "nightly", "--json"])
            let history = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            return history?["count"] as? Int ?? -1
        }
        #expect(
            try await da(["auth", "login", "--email", "admin@example.com", "--password-stdin"], input: "a long password\n").status == 0)
        let token = try #require(
            (try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: environment["DA_CONFIG_DIR", default: ""] + "/token.json")))
                as? [String: Any])?["access_token"] as? String)
        #expect(try await da(["admin", "tables", "register", "nightly", "--sync-schedule", "every 15m"]).status == 0)

        // The server's own scheduler is off: nothing runs.
        try await Task.sleep(for: .seconds(2))
        #expect(try await historyCount() == 0)

        let pid = Mutex<Int32>(0)
        let sidecar = Task {
            try await CLIProcess.run(
                ["scheduler", "--api", server.baseURL.absoluteString, "--token", token, "--interval", "1"], environment: [:],
                binary: "da-server", started: { started in pid.withLock { $0 = started } })
        }
        var ran = false
        for _ in 0..<100 where !ran {
            try await Task.sleep(for: .milliseconds(200))
            ran = try await historyCount() == 1
        }
        #expect(ran, "the sidecar triggered the due table")
        // Once run, the table is not due again for 15 minutes: later ticks trigger nothing.
        try await Task.sleep(for: .seconds(3))
        #expect(try await historyCount() == 1)

        kill(pid.withLock { $0 }, SIGTERM)
        let result = try await sidecar.value
        #expect(result.status == 0, "SIGTERM stops the sidecar cleanly: \(result.stderr)")
        #expect((result.stdout + result.stderr).contains("scheduled sync triggered"), "\(result.stderr)")
        _ = await server.stop()
    }
}
