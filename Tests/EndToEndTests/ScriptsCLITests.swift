import DuckDB
import Foundation
import TestSupport
import Testing

/// `da scripts` (the real binary) against the real `da-server` and its bubblewrap sandbox: deploy, list, run by name
/// (the caller's own script, even for an admin who sees everyone's), logs, undeploy, unknown names, a failing script,
/// the server's 503, and `run --local` of the same file against the workspace's DuckDB after `da sync`.
@Suite(.serialized)
struct ScriptsCLITests {
    /// Reads the sample data's customers wherever it runs, and asks for a notification with a cooldown.
    static let countScript = """
        import duckdb, json, os
        con = duckdb.connect(os.environ.get("DA_DATABASE", "/data/analytics.duckdb"), read_only=True)
        n = con.execute("SELECT count(*) FROM customers").fetchone()[0]
        print(f"customers: {n}")
        print(json.dumps({"notify": True, "title": "Customers", "message": f"{n} customers", "cooldown": "1h"}))
        """

    /// The scripts virtualenv (`make scripts-venv`): a Python with `duckdb`, also what the server's sandbox runs.
    static var venvPython: String {
        let environment = ProcessInfo.processInfo.environment
        if let venv = environment["SCRIPTS_VENV"], !venv.isEmpty { return venv + "/bin/python" }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache"
        return cache + "/ai-data-analyst/scripts-venv/bin/python"
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test func deployListRunLogsUndeployAndRunLocally() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.appending("data")
        let sample = try await CLIProcess.run(["sample-data", "--data-dir", data, "--size", "xs"], environment: [:], binary: "da-server")
        #expect(sample.status == 0, "\(sample.stderr)")
        let server = try ServerProcess(dataDirectory: data, environment: AnalystCLI.seedAdmin)
        try await server.waitUntilHealthy()
        let call = try await AnalystCLI.adminAPI(server)
        for (email, role) in [("ana@example.com", "analyst"), ("vic@example.com", "viewer")] {
            let (answer, status) = try await call("POST", "/api/users", ["email": email, "password": "a long password", "role": role])
            #expect(status == 201, "\(answer)")
        }
        var ana = AnalystCLI(directory: directory, server: server)
        ana.environment["DA_PYTHON"] = ScriptsCLITests.venvPython
        var admin = ana, viewer = ana
        admin.environment["DA_CONFIG_DIR"] = directory.appending("admin-config")
        viewer.environment["DA_CONFIG_DIR"] = directory.appending("viewer-config")
        #expect(try await admin.signInAsAdmin().status == 0)
        for (cli, email) in [(ana, "ana@example.com"), (viewer, "vic@example.com")] {
            let login = try await cli(["auth", "login", "--email", email, "--password-stdin"], input: "a long password\n")
            #expect(login.status == 0, "\(login.stderr)")
        }
        let count = directory.appending("count.py"), failing = directory.appending("fail.py")
        try ScriptsCLITests.countScript.write(toFile: count, atomically: true, encoding: .utf8)
        try "print(\"partial\")\nraise ValueError(\"boom\")\n".write(toFile: failing, atomically: true, encoding: .utf8)

        // Deploy: the name is the file's stem; a taken name and a bad schedule are the server's words.
        let deployed = try await ana(["scripts", "deploy", count, "--schedule", "every 15m"])
        #expect(deployed.status == 0 && deployed.stdout.contains("Deployed count (id "), "\(deployed.stdout) \(deployed.stderr)")
        let taken = try await ana(["scripts", "deploy", count])
        #expect(taken.status == 1 && taken.stderr.contains("You already have a script named \"count\""), "\(taken.stderr)")
        let badSchedule = try await ana(["scripts", "deploy", count, "--name", "other", "--schedule", "sometimes"])
        #expect(badSchedule.status == 1 && badSchedule.stderr.contains("schedule:"), "\(badSchedule.stderr)")
        let byViewer = try await viewer(["scripts", "deploy", count])
        #expect(byViewer.status == 1 && byViewer.stderr.contains("needs an analyst account"), "\(byViewer.stderr)")
        let missingFile = try await ana(["scripts", "deploy", directory.appending("nowhere.py")])
        #expect(missingFile.status == 1 && missingFile.stderr.contains("Cannot read the script"), "\(missingFile.stderr)")
        #expect(try await ana(["scripts", "deploy", failing, "--name", "fail"]).status == 0)
        // The admin's own "count": the admin lists both, but a name means the caller's own script.
        let (adminScript, adminStatus) = try await call(
            "POST", "/api/scripts/deploy", ["name": "count", "source": "print('the admin one')"])
        #expect(adminStatus == 201, "\(adminScript)")

        let listed = try await ana(["scripts", "list"])
        #expect(listed.status == 0 && listed.stdout.contains("every 15m") && listed.stdout.contains("on demand"), "\(listed.stdout)")
        #expect(listed.stdout.contains("ana@example.com") && !listed.stdout.contains("admin@example.com"), "\(listed.stdout)")
        let listedJSON = try ScriptsCLITests.json(try await ana(["scripts", "list", "--json"]).stdout)
        let scripts = try #require(listedJSON["scripts"] as? [[String: Any]])
        #expect(listedJSON["count"] as? Int == 2 && scripts.compactMap { $0["name"] as? String } == ["count", "fail"], "\(listedJSON)")
        #expect(scripts.first?["schedule"] as? String == "every 15m" && scripts.first?["source"] as? String == ScriptsCLITests.countScript)
        let adminList = try ScriptsCLITests.json(try await admin(["scripts", "list", "--json"]).stdout)
        #expect(adminList["count"] as? Int == 3, "an admin lists everyone's scripts")

        // Run by name in the sandbox: the output, then the summary; the cooldown holds the second notification.
        let first = try await ana(["scripts", "run", "count"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("customers: 50\n"), "\(first.stdout)")
        #expect(first.stderr.contains("count: exit 0 · ") && first.stderr.contains("· notified"), "\(first.stderr)")
        let second = try await ana(["scripts", "run", "count", "--json"])
        let secondResult = try ScriptsCLITests.json(second.stdout)
        #expect(second.status == 0 && secondResult["notified"] as? Bool == false && secondResult["cooling_down"] as? Bool == true)
        let adminsOwn = try await admin(["scripts", "run", "count"])
        #expect(adminsOwn.status == 0 && adminsOwn.stdout == "the admin one\n", "\(adminsOwn.stdout) \(adminsOwn.stderr)")

        // A failing script: its output and traceback are shown, and da ends with 1.
        let failed = try await ana(["scripts", "run", "fail"])
        #expect(failed.status == 1 && failed.stdout == "partial\n", "\(failed.stdout)")
        #expect(failed.stderr.contains("ValueError: boom") && failed.stderr.contains("fail: exit 1 · "), "\(failed.stderr)")
        let failedJSON = try await ana(["scripts", "run", "fail", "--json"])
        #expect(failedJSON.status == 1)
        #expect(try ScriptsCLITests.json(failedJSON.stdout)["exit_code"] as? Int == 1)

        // Logs: the runs, newest first.
        let logs = try await ana(["scripts", "logs", "count"])
        #expect(logs.status == 0, "\(logs.stderr)")
        let rows = logs.stdout.split(separator: "\n")
        #expect(rows.count == 3 && rows.first?.hasPrefix("STARTED") == true, "\(logs.stdout)")
        #expect(rows.dropFirst().allSatisfy { $0.contains("manual") }, "\(logs.stdout)")
        let newest = try ScriptsCLITests.json(try await ana(["scripts", "logs", "count", "--limit", "1", "--json"]).stdout)
        let newestRuns = try #require(newest["runs"] as? [[String: Any]])
        #expect(newestRuns.count == 1 && newestRuns.first?["notified"] as? Bool == false, "\(newest)")
        let failLogs = try await ana(["scripts", "logs", "fail"])
        #expect(failLogs.stdout.contains("exited with 1"), "\(failLogs.stdout)")
        #expect(try await ana(["scripts", "logs", "count", "--limit", "0"]).status == 2)

        // Names that are not the caller's.
        for command in [["run", "nope"], ["logs", "nope"], ["undeploy", "nope"]] {
            let unknown = try await ana(["scripts"] + command)
            #expect(unknown.status == 1, "\(command)")
            #expect(unknown.stderr.contains("No script named nope; da scripts list shows yours"), "\(command): \(unknown.stderr)")
        }

        // Undeploy: gone from the list, and a second time it is unknown.
        let undeployed = try await ana(["scripts", "undeploy", "count", "--json"])
        #expect(undeployed.status == 0, "\(undeployed.stderr)")
        #expect(try ScriptsCLITests.json(undeployed.stdout)["undeployed"] as? Bool == true)
        let afterwards = try ScriptsCLITests.json(try await ana(["scripts", "list", "--json"]).stdout)
        #expect((afterwards["scripts"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["fail"], "\(afterwards)")
        #expect(try await ana(["scripts", "undeploy", "count"]).stderr.contains("No script named count"))
        let adminStill = try await admin(["scripts", "run", "count"])
        #expect(adminStill.stdout == "the admin one\n", "the admin's own count is untouched")

        // --local: nothing to read before a sync; after it, the same file gives the same answer on this machine.
        let unsynced = try await ana(["scripts", "run", "--local", count])
        #expect(unsynced.status == 1 && unsynced.stderr.contains("Local DuckDB not found"), "\(unsynced.stderr)")
        let synced = try await ana(["sync"])
        #expect(synced.status == 0, "\(synced.stderr)")
        let local = try await ana(["scripts", "run", "--local", count])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(local.stdout.hasPrefix("customers: 50\n"), "\(local.stdout)")
        let localFailure = try await ana(["scripts", "run", "--local", failing, "--json"])
        #expect(localFailure.status == 1, "\(localFailure.stderr)")
        let localJSON = try ScriptsCLITests.json(localFailure.stdout)
        #expect(localJSON["exit_code"] as? Int == 1 && localJSON["stdout"] as? String == "partial\n")
        #expect((localJSON["stderr"] as? String)?.contains("ValueError: boom") == true, "\(localJSON)")
        #expect(localJSON["database"] as? String == directory.appending("workspace") + "/user/duckdb/analytics.duckdb")
        await server.stop()
    }

    /// `run --local` on its own: the script's exit status, where the data is, and what to do without Python or duckdb.
    @Test func localRunsReportTheirStatusAndWhatIsMissing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let workspace = directory.appending("workspace")
        let environment = [
            "DA_CONFIG_DIR": directory.appending("config"), "DA_LOCAL_DIR": workspace, "DA_PYTHON": ScriptsCLITests.venvPython,
        ]
        try FileManager.default.createDirectory(atPath: workspace + "/user/duckdb", withIntermediateDirectories: true)
        do {
            let connection = try Database(path: workspace + "/user/duckdb/analytics.duckdb").connect()
            try connection.execute("CREATE TABLE revenue AS SELECT * FROM (VALUES (1, 10.5), (2, 20.0)) t(day, amount)")
        }
        let script = directory.appending("check.py")
        try """
        import duckdb, os
        con = duckdb.connect(os.environ["DA_DATABASE"], read_only=True)
        print(con.execute("SELECT sum(amount) FROM revenue").fetchone()[0])
        print(os.environ["DATA_DIR"])
        raise SystemExit(3)
        """.write(toFile: script, atomically: true, encoding: .utf8)

        let ran = try await CLIProcess.run(["scripts", "run", "--local", script], environment: environment)
        #expect(ran.status == 3, "the script's own status: \(ran.stderr)")
        #expect(ran.stdout == "30.5\n\(workspace)/user/duckdb\n", "\(ran.stdout)")
        #expect(ran.stderr.contains("check.py exited with 3"), "\(ran.stderr)")

        // No duckdb in that Python: say how to install it. No such interpreter: say so.
        let bare = directory.appending("bare-python")
        try "#!/bin/sh\nexit 1\n".write(toFile: bare, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bare)
        let noModule = try await CLIProcess.run(
            ["scripts", "run", "--local", script], environment: environment.merging(["DA_PYTHON": bare]) { _, new in new })
        #expect(noModule.status == 1 && noModule.stderr.contains("pip install duckdb==1.5.5"), "\(noModule.stderr)")
        let noPython = try await CLIProcess.run(
            ["scripts", "run", "--local", script],
            environment: environment.merging(["DA_PYTHON": directory.appending("none")]) { _, new in new })
        #expect(noPython.status == 1 && noPython.stderr.contains("DA_PYTHON names"), "\(noPython.stderr)")
        let noFile = try await CLIProcess.run(["scripts", "run", "--local", directory.appending("none.py")], environment: environment)
        #expect(noFile.status == 1 && noFile.stderr.contains("Cannot read the script"), "\(noFile.stderr)")
    }

    /// A server whose sandbox cannot run (no scripts virtualenv) answers 503; `da` prints its detail.
    @Test func aServerThatCannotRunScriptsSaysWhy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: AnalystCLI.seedAdmin.merging(["SCRIPTS_VENV": directory.appending("no-venv")]) { _, new in new })
        try await server.waitUntilHealthy()
        let da = AnalystCLI(directory: directory, server: server)
        #expect(try await da.signInAsAdmin().status == 0)
        let hello = directory.appending("hello.py")
        try "print('hello')\n".write(toFile: hello, atomically: true, encoding: .utf8)
        #expect(try await da(["scripts", "deploy", hello]).status == 0)
        let refused = try await da(["scripts", "run", "hello"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("Scripts cannot run on this server") && refused.stderr.contains("(HTTP 503)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("no-venv"), "the detail says which virtualenv is missing: \(refused.stderr)")
        await server.stop()
    }
}
