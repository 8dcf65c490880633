import Crypto
import DuckDB
import Foundation
import Synchronization
import TestSupport
import Testing

/// `da sync` (the real binary) against the real `da-server` with the sample data: first and second sync, a changed
/// table, a revoked table, the analyst's own tables, uploads, and an interrupted download that resumes.
@Suite(.serialized)
struct CLISyncTests {
    static let sampleTables = [
        "campaigns", "customers", "order_items", "orders", "payments", "products", "support_tickets", "web_leads", "web_sessions",
    ]

    /// A server with the sample data (size xs), an admin token, and an analyst logged in with `da` in a fresh workspace.
    struct Setup {
        let directory: TemporaryDirectory
        let server: ServerProcess
        let adminToken: String
        let environment: [String: String]
        var dataDirectory: String { directory.appending("data") }
        var workspace: String { environment["DA_LOCAL_DIR"] ?? "" }
        var base: URL { server.baseURL }

        static func start() async throws -> Setup {
            let directory = try TemporaryDirectory()
            let data = directory.appending("data")
            let sample = try await CLIProcess.run(
                ["sample-data", "--data-dir", data, "--size", "xs"], environment: [:], binary: "da-server")
            #expect(sample.status == 0, "\(sample.stderr)")
            let server = try ServerProcess(
                dataDirectory: data, environment: ["SEED_ADMIN_EMAIL": "admin@example.com", "SEED_ADMIN_PASSWORD": "a long password"])
            try await server.waitUntilHealthy()
            let (login, _) = try await HTTP.object(
                "POST", server.baseURL.appending(path: "auth/token"), json: ["email": "admin@example.com", "password": "a long password"])
            let adminToken = try #require(login["access_token"] as? String)
            // Profiles are made in the background after start-up: wait until the manifest offers them.
            for _ in 0..<300 {
                let (data, _) = try await HTTP.get(
                    server.baseURL.appending(path: "api/sync/manifest"), headers: ["Authorization": "Bearer \(adminToken)"])
                let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                if ((manifest?["assets"] as? [String: Any])?["profiles"] as? [String: Any])?["hash"] is String { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let (_, created) = try await HTTP.send(
                "POST", server.baseURL.appending(path: "api/users"), token: adminToken,
                json: ["email": "ana@example.com", "password": "analyst password", "role": "analyst"])
            #expect(created == 201)
            let environment = [
                "DA_CONFIG_DIR": directory.appending("config"), "DA_SERVER": server.baseURL.absoluteString,
                "DA_LOCAL_DIR": directory.appending("workspace"),
            ]
            let analyst = try await CLIProcess.run(
                ["auth", "login", "--email", "ana@example.com", "--password-stdin"], environment: environment, input: "analyst password\n")
            #expect(analyst.status == 0, "\(analyst.stderr)")
            return Setup(directory: directory, server: server, adminToken: adminToken, environment: environment)
        }

        func sync(_ arguments: [String] = []) async throws -> (report: [String: Any], result: CLIProcess.Result) {
            let result = try await CLIProcess.run(["sync", "--json"] + arguments, environment: environment)
            let report = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
            return (report, result)
        }

        /// Registers (if needed) and uploads a parquet file as files-source table `id`, as an admin.
        func publish(_ id: String, parquet: String) async throws {
            _ = try await HTTP.send(
                "POST", base.appending(path: "api/admin/register-table"), token: adminToken, json: ["name": id, "source_type": "files"])
            let (answer, status) = try await HTTP.object(
                "POST",
                base.appending(path: "api/admin/tables/\(id)/upload").appending(queryItems: [.init(name: "format", value: "parquet")]),
                token: adminToken, body: try Data(contentsOf: URL(fileURLWithPath: parquet)))
            #expect(status == 201, "\(answer)")
        }

        func manifest() async throws -> [String: [String: Any]] {
            let (data, _) = try await HTTP.get(
                base.appending(path: "api/sync/manifest"), headers: ["Authorization": "Bearer \(adminToken)"])
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try #require(object["tables"] as? [String: [String: Any]])
        }

        func parquet(_ id: String) -> String { workspace + "/server/parquet/\(id).parquet" }

        func finish() async {
            #expect(await server.stop() == 0)
            directory.remove()
        }
    }

    static func sha256(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes a parquet file of `rows` rows of incompressible text with DuckDB; `salt` changes its content.
    static func writeParquet(_ path: String, rows: Int, salt: String = "") throws {
        let connection = try Database().connect()
        try connection.execute(
            "COPY (SELECT i AS id, md5(i::VARCHAR || '\(salt)') || md5((i * 7)::VARCHAR) AS text FROM range(\(rows)) t(i)) "
                + "TO '\(path)' (FORMAT parquet)")
    }

    @Test func syncLifecycle() async throws {
        let setup = try await Setup.start()
        defer { setup.directory.remove() }

        // First sync into an empty workspace: every table, verified, with views, docs and profiles.
        let (first, firstRun) = try await setup.sync()
        #expect(firstRun.status == 0, "\(firstRun.stderr)")
        #expect(first["downloaded"] as? [String] == CLISyncTests.sampleTables)
        let manifest = try await setup.manifest()
        for id in CLISyncTests.sampleTables {
            #expect(try CLISyncTests.sha256(setup.parquet(id)) == manifest[id]?["hash"] as? String, "\(id) matches the manifest's SHA-256")
        }
        // Each file came in one request, whole: a download that needed a second attempt (a short or corrupt first
        // one, then a resume) would count fewer bytes.
        let sizes = CLISyncTests.sampleTables.compactMap { manifest[$0]?["size_bytes"] as? Int }
        #expect(sizes.count == CLISyncTests.sampleTables.count)
        #expect(first["bytes_downloaded"] as? Int == sizes.reduce(0, +))
        let count = try await CLIProcess.run(
            ["query", "--format", "csv", "SELECT count(*) AS n FROM customers"], environment: setup.environment)
        #expect(count.stdout == "n\r\n50\n", "\(count.stderr)")
        let docs = try FileManager.default.subpathsOfDirectory(atPath: setup.workspace + "/server/docs")
        #expect(docs.contains { $0.hasSuffix(".yml") }, "metric YAML synced: \(docs)")
        let profiles = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: setup.workspace + "/server/metadata/profiles.json")))
                as? [String: Any])
        #expect((profiles["tables"] as? [String: Any])?["orders"] != nil)

        // Every output format on a synced view.
        for (format, expected) in [("csv", "n\r\n3\n"), ("json", "[{\"n\":3}]"), ("markdown", "| 3 |"), ("table", "3")] {
            let result = try await CLIProcess.run(
                ["query", "--format", format, "SELECT count(*) AS n FROM (SELECT DISTINCT segment FROM customers)"],
                environment: setup.environment)
            #expect(result.status == 0 && result.stdout.contains(expected), "\(format): \(result.stdout) \(result.stderr)")
        }

        // Nothing changed: nothing downloaded.
        let (second, _) = try await setup.sync()
        #expect((second["downloaded"] as? [String])?.isEmpty == true)
        #expect(second["skipped"] as? [String] == CLISyncTests.sampleTables)
        // A file removed behind sync's back comes back, even though the manifest did not change.
        try FileManager.default.removeItem(atPath: setup.parquet("campaigns"))
        let (restored, _) = try await setup.sync()
        #expect(restored["downloaded"] as? [String] == ["campaigns"])
        // So does a file another program rewrote (every file still there, one of another size).
        try Data("not parquet".utf8).write(to: URL(fileURLWithPath: setup.parquet("campaigns")))
        let (rewritten, _) = try await setup.sync()
        #expect(rewritten["downloaded"] as? [String] == ["campaigns"])

        // The analyst's own tables: one unrelated, one with the name of a table the server will publish.
        do {
            let connection = try Database(path: setup.workspace + "/user/duckdb/analytics.duckdb").connect()
            try connection.execute("CREATE TABLE my_notes AS SELECT 42 AS answer")
            try connection.execute("CREATE TABLE extra AS SELECT 'mine' AS owner")
        }
        let extra = setup.directory.appending("extra.parquet")
        try CLISyncTests.writeParquet(extra, rows: 100)
        try await setup.publish("extra", parquet: extra)
        let (third, _) = try await setup.sync()
        #expect(third["downloaded"] as? [String] == ["extra"], "only the new table")
        #expect(third["clashes"] as? [String] == ["extra"])
        let mine = try await CLIProcess.run(["query", "--format", "csv", "SELECT owner FROM extra"], environment: setup.environment)
        #expect(mine.stdout == "owner\r\nmine\n", "the analyst's table is not replaced by a view")

        // A changed table is downloaded again, alone.
        try CLISyncTests.writeParquet(extra, rows: 120, salt: "v2")
        try await setup.publish("extra", parquet: extra)
        let (fourth, _) = try await setup.sync()
        #expect(fourth["downloaded"] as? [String] == ["extra"])
        #expect(try CLISyncTests.sha256(setup.parquet("extra")) == (try await setup.manifest())["extra"]?["hash"] as? String)

        // Access revoked: the table disappears locally, with its view; the analyst's tables stay.
        let (_, updated) = try await HTTP.send(
            "PUT", setup.base.appending(path: "api/admin/registry/orders"), token: setup.adminToken, json: ["is_public": false])
        #expect(updated == 200)
        let (fifth, _) = try await setup.sync()
        #expect(fifth["removed"] as? [String] == ["orders"])
        #expect(!FileManager.default.fileExists(atPath: setup.parquet("orders")))
        let gone = try await CLIProcess.run(["query", "SELECT count(*) FROM orders"], environment: setup.environment)
        #expect(gone.status == 1)
        let notes = try await CLIProcess.run(["query", "--format", "csv", "SELECT answer FROM my_notes"], environment: setup.environment)
        #expect(notes.stdout == "answer\r\n42\n")
        let profilesAfter = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: setup.workspace + "/server/metadata/profiles.json")))
                as? [String: Any])
        #expect((profilesAfter["tables"] as? [String: Any])?["orders"] == nil, "the revoked table's profile is gone too")

        // The analyst drops the clashing table: the next sync links the synced view.
        do {
            let connection = try Database(path: setup.workspace + "/user/duckdb/analytics.duckdb").connect()
            try connection.execute("DROP TABLE extra")
        }
        let (sixth, _) = try await setup.sync()
        #expect((sixth["clashes"] as? [String])?.isEmpty == true)
        let linked = try await CLIProcess.run(
            ["query", "--format", "csv", "SELECT count(*) AS n FROM extra"], environment: setup.environment)
        #expect(linked.stdout == "n\r\n120\n", "\(linked.stderr)")

        // Sessions and CLAUDE.local.md go up once, and again only when they change.
        let sessions = setup.workspace + "/user/sessions"
        try FileManager.default.createDirectory(atPath: sessions, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: setup.workspace + "/.claude", withIntermediateDirectories: true)
        try Data("{\"type\":\"user\"}\n".utf8).write(to: URL(fileURLWithPath: sessions + "/one.jsonl"))
        try Data("{\"type\":\"user\"}\n".utf8).write(to: URL(fileURLWithPath: sessions + "/two.jsonl"))
        try Data("not a session".utf8).write(to: URL(fileURLWithPath: sessions + "/notes.txt"))
        try Data("# My notes\nRevenue means net revenue.\n".utf8).write(
            to: URL(fileURLWithPath: setup.workspace + "/.claude/CLAUDE.local.md"))
        let (uploading, _) = try await setup.sync()
        let uploaded = try #require(uploading["uploaded"] as? [String: Any])
        #expect(uploaded["session_files"] as? [String] == ["one.jsonl", "two.jsonl"])
        #expect(uploaded["local_md"] as? Bool == true)
        let analystID = try #require(
            try FileManager.default.contentsOfDirectory(atPath: setup.dataDirectory + "/user_sessions").first)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: setup.dataDirectory + "/user_sessions/\(analystID)").sorted()
                == ["one.jsonl", "two.jsonl"])
        #expect(
            try String(contentsOfFile: setup.dataDirectory + "/user_local_md/\(analystID).md", encoding: .utf8)
                == "# My notes\nRevenue means net revenue.\n")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sessions + "/two.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"type\":\"assistant\"}\n".utf8))
        try handle.close()
        let (again, _) = try await setup.sync()
        #expect((again["uploaded"] as? [String: Any])?["session_files"] as? [String] == ["two.jsonl"], "only the grown session")
        #expect((again["uploaded"] as? [String: Any])?["local_md"] as? Bool == false)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: setup.dataDirectory + "/user_sessions/\(analystID)/two.jsonl"))
                == Data(contentsOf: URL(fileURLWithPath: sessions + "/two.jsonl")))
        let (skippedUploads, _) = try await setup.sync(["--no-upload"])
        #expect((skippedUploads["uploaded"] as? [String: Any])?["sessions"] as? Int == 0)

        // --dry-run changes nothing; --table syncs only that table; an unknown table is an error (exit 1).
        try FileManager.default.removeItem(atPath: setup.parquet("products"))
        let (dry, _) = try await setup.sync(["--dry-run"])
        #expect(dry["downloaded"] as? [String] == ["products"])
        #expect(dry["dry_run"] as? Bool == true)
        #expect(!FileManager.default.fileExists(atPath: setup.parquet("products")))
        let (unknown, unknownRun) = try await setup.sync(["--table", "nope"])
        #expect(unknownRun.status == 1)
        #expect((unknown["errors"] as? [[String: String]])?.first?["table"] == "nope")
        let (only, _) = try await setup.sync(["--table", "products"])
        #expect(only["downloaded"] as? [String] == ["products"])
        await setup.finish()
    }

    @Test func interruptedDownloadResumesAndCorruptPartsAreNeverInstalled() async throws {
        let setup = try await Setup.start()
        defer { setup.directory.remove() }
        let big = setup.directory.appending("big.parquet")
        try CLISyncTests.writeParquet(big, rows: 20_000)
        try await setup.publish("big", parquet: big)
        let size = try #require(try await setup.manifest()["big"]?["size_bytes"] as? Int)
        #expect(size > 600_000)

        // Kill `da sync` in the middle of a (rate-limited) download.
        let pid = PID()
        let partial = setup.parquet("big") + ".part"
        async let killed = CLIProcess.run(
            ["sync", "--table", "big", "--limit-rate", "200K"], environment: setup.environment, started: { pid.set($0) })
        var waited = 0
        while (try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int) ?? 0 < 150_000, waited < 300 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        kill(pid.value, SIGKILL)
        let interrupted = try await killed
        #expect(interrupted.status != 0)
        let kept = try #require(try FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int)
        #expect(kept > 0 && kept < size, "a partial download stays for resuming")
        #expect(!FileManager.default.fileExists(atPath: setup.parquet("big")), "nothing unverified is installed")

        // The next sync resumes from the partial file and verifies the whole.
        let (resumed, run) = try await setup.sync(["--table", "big"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(resumed["downloaded"] as? [String] == ["big"])
        let transferred = try #require(resumed["bytes_downloaded"] as? Int)
        #expect(transferred == size - kept, "only the missing bytes were downloaded")
        #expect(try CLISyncTests.sha256(setup.parquet("big")) == (try await setup.manifest())["big"]?["hash"] as? String)
        #expect(!FileManager.default.fileExists(atPath: partial))

        // A corrupt partial file fails verification, is thrown away and downloaded again from zero.
        try FileManager.default.removeItem(atPath: setup.parquet("big"))
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: partial))
        let (repaired, repairRun) = try await setup.sync(["--table", "big"])
        #expect(repairRun.status == 0, "\(repairRun.stderr)")
        #expect(repaired["downloaded"] as? [String] == ["big"])
        #expect(try CLISyncTests.sha256(setup.parquet("big")) == (try await setup.manifest())["big"]?["hash"] as? String)
        await setup.finish()
    }
}

/// A process id handed over from `CLIProcess.run`'s start callback.
final class PID: Sendable {
    private let storage = Mutex<Int32>(0)
    func set(_ value: Int32) { storage.withLock { $0 = value } }
    var value: Int32 { storage.withLock { $0 } }
}
