import AnalystCore
import DuckDB
import Foundation
import TestSupport
import Testing

struct HealthCheckTests {
    @Test func emptySystemIsHealthy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try SystemDatabase(path: directory.appending("system.duckdb"), logger: LogCapture().logger())
        let report = await HealthCheck(system: system).report()
        #expect(report.status == .healthy)
        #expect(report.services.duckdbState == .ok)
        #expect(report.services.users == HealthReport.Check(status: "ok", count: 0))
        #expect(
            report.services.data == HealthReport.Check(status: "ok", tables: 0, totalRows: 0, staleTables: [], failedTables: []))
        #expect(report.timestamp.hasSuffix("+00:00"))
        await system.close()
    }

    @Test func staleTablesDegradeTheReport() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try SystemDatabase(path: directory.appending("system.duckdb"), logger: LogCapture().logger())
        let now = Date()
        try await system.withConnection { connection in
            try connection.run(
                "INSERT INTO sync_state (table_id, last_sync, rows) VALUES ('fresh', ?, 10), ('old', ?, 5), ('never', NULL, NULL)",
                [.timestamp(TimestampValue(now.addingTimeInterval(-60))), .timestamp(TimestampValue(now.addingTimeInterval(-90_000)))])
            try connection.run("INSERT INTO users (id, email) VALUES ('u1', 'a@example.com')")
        }
        let report = await HealthCheck(system: system).report(now: now)
        #expect(report.status == .degraded)
        #expect(
            report.services.data
                == HealthReport.Check(status: "warning", tables: 3, totalRows: 15, staleTables: ["never", "old"], failedTables: []))
        #expect(report.services.users.count == 1)
        await system.close()
    }

    @Test func aFailingCheckMakesTheReportUnhealthy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try SystemDatabase(path: directory.appending("system.duckdb"), logger: LogCapture().logger())
        try await system.withConnection { try $0.execute("DROP TABLE users") }
        let report = await HealthCheck(system: system).report()
        #expect(report.status == .unhealthy)
        #expect(report.services.users.status == "error")
        #expect(report.services.users.detail?.contains("users") == true)
        #expect(report.services.duckdbState == .ok)
        await system.close()
    }

    @Test func encodesInTheReferenceShape() throws {
        let report = HealthReport(
            services: .init(
                duckdbState: .ok, data: .init(status: "ok", tables: 1, totalRows: 2, staleTables: []), users: .init(status: "ok", count: 3)),
            at: Date(timeIntervalSince1970: 0))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(
            json
                == #"{"services":{"data":{"stale_tables":[],"status":"ok","tables":1,"total_rows":2},"duckdb_state":{"status":"ok"},"users":{"count":3,"status":"ok"}},"status":"healthy","timestamp":"1970-01-01T00:00:00.000+00:00"}"#
        )
    }
}
