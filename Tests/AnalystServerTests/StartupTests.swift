import DuckDB
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystCore
@testable import AnalystServer

/// A server serves what was published before it started at once, and rebuilds from the extracts in the
/// background: health says `starting` and readiness is 503 until that rebuild has published.
struct StartupTests {
    /// Writes source `name` with one table per entry (`rows` rows each), replacing what the source held.
    static func writeSource(_ name: String, tables: [String: Int], in directory: TemporaryDirectory) throws {
        try ExtractFixtures.write(name, tables: tables, in: URL(fileURLWithPath: directory.appending("data/extracts")))
    }

    /// Opens the dependencies and runs their start-up rebuild (as a server's sync service does), then closes them.
    static func startAndStop(in directory: TemporaryDirectory) async throws {
        let dependencies = try await makeDependencies(in: directory)
        let service = Task { await dependencies.background.syncJobs.run() }
        await waitUntilStarted(dependencies)
        service.cancel()
        await dependencies.close()
    }

    /// The tables the epoch serves: its views and the local files it reads by name.
    static func tableNames(_ analytics: AnalyticsDatabase) async throws -> [String] {
        try await analytics.withConnection { connection in
            try connection.query(
                """
                SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
                UNION ALL SELECT name FROM \(Orchestrator.localFilesTable) ORDER BY 1
                """
            ).rows()
                .compactMap { $0.first?.stringValue }
        }
    }

    @Test func theLastEpochIsServedUntilTheStartupRebuildPublishes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.writeSource("files", tables: ["orders": 3], in: directory)
        try await Self.startAndStop(in: directory)

        // While the server was down, its source gained a table.
        try Self.writeSource("files", tables: ["orders": 3, "customers": 4], in: directory)
        let dependencies = try await makeDependencies(in: directory)
        let jobs = dependencies.background.syncJobs
        var health = HealthCheck(system: dependencies.stores.system)
        health.isStarting = { jobs.isStarting }

        // Nothing runs the sync service yet: the start-up rebuild is queued, the last epoch is served.
        #expect(jobs.isStarting)
        #expect(try await Self.tableNames(dependencies.stores.analytics) == ["orders"])
        #expect(dependencies.stores.manifest.tables().map(\.id) == ["orders"], "the manifest of the last epoch")
        let count = try await dependencies.stores.analytics.withConnection { try $0.query("SELECT count(*) FROM orders").scalar() }
        #expect(count == .bigint(3))
        let starting = await health.report()
        #expect(starting.status == .starting)
        #expect(starting.services.data.detail?.hasPrefix("starting:") == true)
        #expect(await health.readiness()?.hasPrefix("starting") == true)

        let service = Task { await jobs.run() }
        await waitUntilStarted(dependencies)
        #expect(!jobs.isStarting)
        #expect(try await Self.tableNames(dependencies.stores.analytics) == ["customers", "orders"])
        #expect(dependencies.stores.manifest.tables().map(\.id) == ["customers", "orders"])
        #expect(await health.report().status == .healthy)
        #expect(await health.readiness() == nil)
        service.cancel()
        await dependencies.close()
    }

    /// A last `server.duckdb` that cannot be opened (a disk that lost it, a file from another program) is rebuilt
    /// before serving instead of stopping the server.
    @Test func anUnreadableLastEpochIsRebuiltBeforeServing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.writeSource("files", tables: ["orders": 3], in: directory)
        try await Self.startAndStop(in: directory)
        let analyticsFile = DataDirectory(directory.appending("data")).analyticsDatabase.path
        try Data(repeating: 0x5A, count: 64 << 10).write(to: URL(fileURLWithPath: analyticsFile))

        let dependencies = try await makeDependencies(in: directory)
        #expect(try await Self.tableNames(dependencies.stores.analytics) == ["orders"])
        await dependencies.close()
    }

    /// Liveness answers at once; readiness is 503 with the reason while starting and 200 after; the reference's
    /// health route says `starting` meanwhile. None of them is audited.
    @Test func livenessAndReadinessOverHTTP() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        var starting = HealthCheck(system: dependencies.stores.system)
        starting.isStarting = { true }
        let router = Router()
        HealthController(check: starting).addRoutes(to: router.group("api"))
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/api/health/live", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"alive","detail":null}"#)
            }
            try await client.execute(uri: "/api/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: String])
                #expect(body["status"] == "starting")
                #expect(body["detail"]?.contains("start-up rebuild") == true)
            }
            try await client.execute(uri: "/api/health", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""status":"starting""#))
            }
        }

        try await buildApplication(dependencies: dependencies).test(.router) { client in
            await waitUntilStarted(dependencies)
            try await client.execute(uri: "/api/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ready","detail":null}"#)
            }
            try await client.execute(uri: "/api/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
            _ = try await client.execute(uri: "/api/sync/manifest", method: .get)  // audited: the log is being written
            try await dependencies.background.audit.flush()
            let audited = try await dependencies.stores.system.withConnection {
                try $0.query("SELECT count(*) FILTER (path LIKE '/api/health%'), count(*) FROM audit_log").rows().first
            }
            #expect(audited == [.bigint(0), .bigint(1)])
        }
        await dependencies.close()
    }
}
