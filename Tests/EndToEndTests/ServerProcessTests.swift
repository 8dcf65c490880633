import AnalystAPI
import AnalystCore
import DuckDB
import Foundation
import TestSupport
import Testing

/// The real `da-server` binary, started as a user would start it.
@Suite(.serialized)
struct ServerProcessTests {
    @Test func servesHealthAndStopsGracefullyOnSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dataDirectory = directory.appending("data")
        let server = try ServerProcess(dataDirectory: dataDirectory)
        try await server.waitUntilHealthy()

        let (body, status) = try await HTTP.get(server.baseURL.appendingPathComponent("api/health"))
        #expect(status == 200)
        let health = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(health["status"] as? String == "healthy")
        for path in ["state/system.duckdb", "analytics/server.duckdb", "extracts", "docs", "uploads"] {
            #expect(FileManager.default.fileExists(atPath: dataDirectory + "/" + path), "missing \(path)")
        }

        #expect(await server.stop(signal: SIGTERM) == 0)
        let log = server.log
        #expect(log.contains("\"msg\":\"applied schema migration\""))
        #expect(log.contains("\"msg\":\"databases closed\""))
        #expect(log.contains("\"msg\":\"server stopped\""))
        #expect(log.contains("\"path\":\"/api/health\""), "requests are logged")

        // A restart finds the schema current and applies nothing again.
        let again = try ServerProcess(dataDirectory: dataDirectory)
        try await again.waitUntilHealthy()
        #expect(await again.stop(signal: SIGINT) == 0)
        #expect(!again.log.contains("applied schema migration"))
    }

    @Test func refusesToStartOnANewerSchema() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dataDirectory = directory.appending("data")
        try FileManager.default.createDirectory(atPath: dataDirectory + "/state", withIntermediateDirectories: true)
        do {
            let connection = try Database(path: dataDirectory + "/state/system.duckdb").connect()
            try connection.execute(
                "CREATE TABLE schema_version (version INTEGER NOT NULL, name VARCHAR, applied_at TIMESTAMP); INSERT INTO schema_version VALUES (999, 'future', now())"
            )
        }
        let server = try ServerProcess(dataDirectory: dataDirectory)
        let status = await server.waitForExit()
        #expect(status != 0)
        #expect(server.log.contains("has schema version 999, but this da-server knows only up to"))
    }

    @Test func aBadInstanceYAMLStopsStartupWithTheKeyNamed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try "server:\n  port: not-a-port\n".write(toFile: directory.appending("instance.yaml"), atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"), environment: ["CONFIG_DIR": directory.path])
        let status = await server.waitForExit()
        #expect(status != 0)
        #expect(server.log.contains("server.port"))
    }
}

/// The real `da` binary answers `--version` and `--help`.
struct CLIProcessTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try ServerProcess.binary(named: "da")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func versionAndHelp() throws {
        let version = try run(["--version"])
        #expect(version.status == 0)
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines) == AnalystVersion.current)
        let help = try run(["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("USAGE: da"))
        #expect(help.output.contains("DA_SERVER"))
        let unknown = try run(["--no-such-flag"])
        #expect(unknown.status == 2, "usage errors exit with 2")
        #expect(unknown.output.contains("no-such-flag"))
    }
}

@Suite(.serialized)
struct ServerSecretTests {
    @Test func refusesToStartWithoutATokenSecretUnlessInDevelopmentMode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let refused = try ServerProcess(dataDirectory: directory.appending("data"), environment: ["JWT_SECRET_KEY": ""])
        #expect(await refused.waitForExit() != 0)
        #expect(refused.log.contains("JWT_SECRET_KEY is not set"))

        let development = try ServerProcess(
            dataDirectory: directory.appending("data"), arguments: ["--dev"], environment: ["JWT_SECRET_KEY": ""])
        try await development.waitUntilHealthy()
        #expect(await development.stop() == 0)
        let secretFile = directory.appending("data/state/jwt-secret")
        let attributes = try FileManager.default.attributesOfItem(atPath: secretFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(development.log.contains("development mode"))
    }
}

@Suite(.serialized)
struct AuditProcessTests {
    @Test func auditEntriesAreNotLostOnGracefulShutdown() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dataDirectory = directory.appending("data")
        let server = try ServerProcess(dataDirectory: dataDirectory)
        try await server.waitUntilHealthy()
        for index in 0..<50 {
            let (_, status) = try await HTTP.get(
                server.baseURL.appendingPathComponent("auth/me").appending(queryItems: [.init(name: "n", value: "\(index)")]))
            #expect(status == 401)
        }
        #expect(await server.stop(signal: SIGTERM) == 0)
        #expect(server.log.contains("audit log flushed"))
        let connection = try Database(path: dataDirectory + "/state/system.duckdb").connect()
        let count = try connection.query("SELECT count(*) FROM audit_log WHERE action = 'GET /auth/me'").scalar()
        #expect(count == .bigint(50))
    }
}
