import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

/// `POST /api/query` through HTTP: the sandbox, access, limits, value mapping and rebuilds under load.
struct QueryRouteTests {
    /// A server with `orders` (public) and `salaries` (private) uploaded, and tokens for an admin and an analyst.
    func fixture(in directory: TemporaryDirectory) async throws -> DataPlaneTests.Fixture {
        try await DataPlaneTests().fixture(in: directory)
    }

    func publish(_ client: some TestClientProtocol, _ admin: HTTPFields) async throws {
        #expect(try await client.post("/api/admin/register-table", json: #"{"name":"orders"}"#, headers: admin).status == .created)
        #expect(
            try await client.post("/api/admin/register-table", json: #"{"name":"salaries","is_public":false}"#, headers: admin).status
                == .created)
        for (table, csv) in [("orders", DataPlaneTests.ordersCSV), ("salaries", "person,salary\nana,100\nbo,200\n")] {
            let response = try await client.execute(
                uri: "/api/admin/tables/\(table)/upload", method: .post, headers: admin, body: ByteBuffer(string: csv))
            #expect(response.status == .created)
        }
    }

    func query(_ client: some TestClientProtocol, _ headers: HTTPFields, _ sql: String, limit: Int? = nil) async throws -> TestResponse {
        var body: [String: Any] = ["sql": sql]
        if let limit { body["limit"] = limit }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try await client.post("/api/query", json: json, headers: headers)
    }

    @Test func analystsQueryWhatTheyMayReadAndNothingElse() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let admin: HTTPFields = [.authorization: "Bearer \(fixture.adminToken)"]
            let analyst: HTTPFields = [.authorization: "Bearer \(fixture.analystToken)"]
            try await publish(client, admin)

            let ok = try await query(client, analyst, "SELECT customer, total FROM orders ORDER BY order_id")
            #expect(ok.status == .ok)
            let body = try jsonObject(ok)
            #expect(body["columns"] as? [String] == ["customer", "total"])
            #expect(body["types"] as? [String] == ["VARCHAR", "DOUBLE"])
            #expect(body["row_count"] as? Int == 3)
            #expect(body["truncated"] as? Bool == false)
            #expect((body["rows"] as? [[Any]])?.first?.first as? String == "alice")

            let truncated = try jsonObject(try await query(client, analyst, "SELECT * FROM orders", limit: 2))
            #expect(truncated["row_count"] as? Int == 2)
            #expect(truncated["truncated"] as? Bool == true)

            let denied = try await query(client, analyst, "SELECT * FROM salaries")
            #expect(denied.status == .forbidden)
            #expect(try detail(denied)?.hasPrefix("Access denied to table 'salaries'") == true)
            let hidden = try await query(client, analyst, "SELECT * FROM orders WHERE customer IN (SELECT person FROM Salaries)")
            #expect(hidden.status == .forbidden)
            let word = try await query(client, analyst, "SELECT 1 AS salaries_count, 'salaries' AS label")
            #expect(word.status == .ok, "a word containing a table name is fine")
            let file = try await query(client, analyst, "SELECT * FROM read_csv('/etc/passwd')")
            #expect(file.status == .badRequest || file.status == .forbidden)
            let two = try await query(client, analyst, "SELECT 1; SELECT 2")
            #expect(two.status == .badRequest)
            let broken = try await query(client, analyst, "SELECT nonexistent FROM orders")
            #expect(broken.status == .badRequest)
            #expect(try detail(broken)?.hasPrefix("Query error: ") == true)
            let badLimit = try await query(client, analyst, "SELECT 1", limit: 0)
            #expect(badLimit.status == .unprocessableContent)

            let adminPrivate = try await query(client, admin, "SELECT sum(salary) AS total FROM salaries")
            #expect(adminPrivate.status == .ok, "admins read everything")

            let values = try jsonObject(
                try await query(
                    client, admin,
                    """
                    SELECT 12345678901234567890.12::DECIMAL(38,2) AS big, 1.5::DECIMAL(4,1) AS small, DATE '2026-01-02' AS d,
                        TIMESTAMP '2026-01-02 03:04:05' AS ts, [1, 2] AS l, {'a': 1} AS s, 'abc'::BLOB AS b,
                        170141183460469231731687303715884105727::HUGEINT AS huge, NULL AS n, 'NaN'::DOUBLE AS nan
                    """))
            let row = try #require((values["rows"] as? [[Any]])?.first)
            #expect(row[0] as? String == "12345678901234567890.12", "decimals a double cannot hold are strings")
            #expect(row[1] as? Double == 1.5)
            #expect(row[2] as? String == "2026-01-02")
            #expect(row[3] as? String == "2026-01-02T03:04:05")
            #expect(row[4] as? [Int] == [1, 2])
            #expect((row[5] as? [String: Int]) == ["a": 1])
            #expect(row[6] as? String == "YWJj")
            #expect(row[7] as? String == "170141183460469231731687303715884105727")
            #expect(row[8] is NSNull)
            #expect(row[9] as? String == "NaN")
        }
        await fixture.dependencies.close()
    }

    @Test func aSlowQueryIsInterruptedAtTheTimeLimit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory) { $0.query.timeout = .seconds(1) }
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let token = try await dependencies.signIn.tokens.issue(for: admin, users: dependencies.stores.users)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let started = ContinuousClock.now
            let slow = try await query(
                client, [.authorization: "Bearer \(token)"], "SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3")
            #expect(slow.status == .badRequest)
            #expect(try detail(slow) == "Query timed out after 1 s")
            // The query would run for hours: well under a minute means it was interrupted (a loaded CI took 10.3 s).
            #expect(started.duration(to: .now) < .seconds(60))
            let after = try await query(client, [.authorization: "Bearer \(token)"], "SELECT 42 AS answer")
            #expect(after.status == .ok, "the connection is usable after the interrupt")
        }
        await dependencies.close()
    }

    @Test func rebuildsDuringAStreamOfQueriesFailNone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.live) { client in
            let admin: HTTPFields = [.authorization: "Bearer \(fixture.adminToken)"]
            let analyst: HTTPFields = [.authorization: "Bearer \(fixture.analystToken)"]
            try await publish(client, admin)
            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var failed = 0
                        for _ in 0..<50 {
                            let response = try await query(client, analyst, "SELECT count(*) AS n FROM orders")
                            if response.status != .ok { failed += 1 }
                        }
                        return failed
                    }
                }
                group.addTask {
                    for _ in 0..<4 {
                        let trigger = try await client.execute(uri: "/api/sync/trigger", method: .post, headers: admin)
                        let id = try #require(try jsonObject(trigger)["job_id"] as? String)
                        let job = await fixture.dependencies.background.syncJobs.wait(for: id)
                        #expect(job?.status == .succeeded)
                    }
                    return 0
                }
                return try await group.reduce(0, +)
            }
            #expect(failures == 0)
            #expect(fixture.dependencies.stores.analytics.epoch >= 5, "every sync swapped the query side")
        }
        await fixture.dependencies.close()
    }
}
