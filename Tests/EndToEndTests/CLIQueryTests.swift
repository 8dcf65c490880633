import DuckDB
import Foundation
import TestSupport
import Testing

/// `da query` (the real binary): on the server with the sample data, and on a local DuckDB.
@Suite(.serialized)
struct CLIQueryTests {
    @Test func remoteAndLocalQueriesInEveryFormat() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.appending("data")
        let sample = try await CLIProcess.run(
            ["sample-data", "--data-dir", data, "--size", "xs", "--json"], environment: [:], binary: "da-server")
        #expect(sample.status == 0, "\(sample.stderr)")
        let server = try ServerProcess(
            dataDirectory: data, environment: ["SEED_ADMIN_EMAIL": "admin@example.com", "SEED_ADMIN_PASSWORD": "a long password"])
        try await server.waitUntilHealthy()
        let workspace = directory.appending("workspace")
        let environment = [
            "DA_CONFIG_DIR": directory.appending("config"), "DA_SERVER": server.baseURL.absoluteString, "DA_LOCAL_DIR": workspace,
        ]
        let login = try await CLIProcess.run(
            ["auth", "login", "--email", "admin@example.com", "--password-stdin"], environment: environment, input: "a long password\n")
        #expect(login.status == 0, "\(login.stderr)")

        let sql = "SELECT segment, count(*) AS customers FROM customers GROUP BY ALL ORDER BY segment"
        let csv = try await CLIProcess.run(["query", "--remote", "--format", "csv", sql], environment: environment)
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\r\n")
        #expect(lines.first == "segment,customers")
        #expect(lines.dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" } == ["b2b_enterprise", "b2b_small", "b2c"])
        let total = lines.dropFirst().compactMap { $0.split(separator: ",").last.flatMap { Int($0) } }.reduce(0, +)
        #expect(total == 50, "size xs has 50 customers")

        let json = try await CLIProcess.run(
            ["query", "--remote", "--json", "--limit", "2", "SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3"], environment: environment
        )
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(json.stderr.contains("truncated at 2 rows"))
        let refused = try await CLIProcess.run(["query", "--remote", "SELECT * FROM read_csv('/etc/passwd')"], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("The table function 'read_csv' is not allowed"), "\(refused.stderr)")

        let missing = try await CLIProcess.run(["query", "SELECT 1"], environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Local DuckDB not found"))
        #expect(missing.stderr.contains("Run: da sync"))

        try FileManager.default.createDirectory(atPath: workspace + "/user/duckdb", withIntermediateDirectories: true)
        do {
            let connection = try Database(path: workspace + "/user/duckdb/analytics.duckdb").connect()
            try connection.execute(
                "CREATE TABLE notes AS SELECT * FROM (VALUES (1, 'plain'), (2, 'with, comma \"and\" quote'), (3, NULL)) t(id, note)")
        }
        let table = try await CLIProcess.run(["query", "SELECT * FROM notes ORDER BY id"], environment: environment)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("NULL"))
        #expect(table.stdout.contains("(3 rows)"))
        let localCSV = try await CLIProcess.run(["query", "--format", "csv", "SELECT * FROM notes ORDER BY id"], environment: environment)
        #expect(localCSV.stdout.contains("2,\"with, comma \"\"and\"\" quote\""), "RFC 4180 quoting")
        let markdown = try await CLIProcess.run(
            ["query", "--format", "markdown"], environment: environment, input: "SELECT id FROM notes\nWHERE id = 1\n")
        #expect(markdown.stdout.contains("| id |"), "SQL from standard input")
        #expect(markdown.stdout.contains("| 1 |"))
        let file = directory.appending("query.sql")
        try "SELECT note FROM notes WHERE id = 1".write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try await CLIProcess.run(["query", "--format", "csv", "-f", file], environment: environment)
        #expect(fromFile.stdout == "note\r\nplain\n", "SQL from a file")
        #expect(await server.stop() == 0)
    }
}
