import AnalystCore
import AnalystServer
import DuckDB
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// Opens a server's dependencies in a fresh data directory.
func makeDependencies(
    in directory: TemporaryDirectory, queryPoolSize: Int = 2, tokenLifetime: Duration = .seconds(3600),
    publicURL: String? = nil, oidc: OIDCSettings? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }
) async throws -> ServerDependencies {
    var query = QuerySettings()
    query.poolSize = queryPoolSize
    var configuration = ServerConfiguration(
        dataDirectory: DataDirectory(directory.appending("data")), port: 0, duckDBThreads: 1,
        extensionDirectory: DuckDBInstallation.extensionDirectory(), publicURL: publicURL,
        query: query,
        auth: AuthSettings(jwtSecret: "test-secret-0123456789-0123456789-abcdef", tokenLifetime: tokenLifetime, oidc: oidc))
    configure(&configuration)
    return try await ServerDependencies.open(configuration: configuration, logger: LogCapture().logger())
}

/// Waits until the server's start-up rebuild has run; call it inside `app.test`, where the sync service runs.
func waitUntilStarted(_ dependencies: ServerDependencies) async {
    _ = await dependencies.background.syncJobs.wait(for: dependencies.startupJob.id)
}

struct HealthRouteTests {
    @Test func healthAnswersInTheReferenceShape() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let app = buildApplication(dependencies: dependencies)
        try await app.test(.router) { client in
            await waitUntilStarted(dependencies)
            try await client.execute(uri: "/api/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try #require(
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(body["status"] as? String == "healthy")
                let services = try #require(body["services"] as? [String: [String: Any]])
                #expect(Set(services.keys) == ["duckdb_state", "data", "users", "corporate_memory"], "the reference's three, and memory")
                #expect(services["data"]?["tables"] as? Int == 0)
                #expect(services["data"]?["stale_tables"] as? [String] == [])
                #expect(services["users"]?["count"] as? Int == 0)
            }
        }
        await dependencies.close()
    }

    @Test func unknownRoutesAnswerWithADetailBody() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            try await client.execute(uri: "/api/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == #"{"detail":"Not Found"}"#)
            }
        }
        await dependencies.close()
    }

    @Test("health stays live while long queries hold every query connection")
    func healthIsLiveWhileTheQueryPoolIsBusy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory, queryPoolSize: 2)
        let pool = dependencies.stores.analytics.pool
        let longQueries = (0..<pool.size).map { _ in
            Task { try await pool.withConnection { try $0.query("SELECT sum(i) FROM range(10000000000000) t(i)").rows() } }
        }
        for _ in 0..<3_000 where pool.load.running < pool.size {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(pool.load.running == pool.size)
        try await buildApplication(dependencies: dependencies).test(.live) { client in
            try await client.execute(uri: "/api/health", method: .get) { response in
                #expect(response.status == .ok)
            }
            // The answer came while the queries were still running: health did not wait for them.
            #expect(pool.load.running == pool.size)
            longQueries.forEach { $0.cancel() }
            for query in longQueries {
                await #expect(throws: CancellationError.self) { try await query.value }
            }
        }
        await dependencies.close()
    }
}
