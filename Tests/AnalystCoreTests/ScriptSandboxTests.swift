import AnalystCore
import DuckDB
import Foundation
import TestSupport
import Testing

/// The sandbox is the operating system: each hostile script below is contained, and the result says why. None of
/// them is stopped by the word list (they run through the sandbox directly).
@Suite(.serialized) struct ScriptSandboxTests {
    static func sandbox(_ directory: TemporaryDirectory, configure: (inout ScriptSandbox.Limits) -> Void = { _ in }) -> ScriptSandbox {
        var limits = ScriptSandbox.Limits()
        limits.wallTime = .seconds(60)
        limits.cpuSeconds = 20
        configure(&limits)
        return ScriptSandbox(
            virtualenv: ScriptSandbox.defaultVirtualenv(), workRoot: URL(fileURLWithPath: directory.appending("runs")), limits: limits)
    }

    /// The sandbox must start on the machines the tests run on (`make test` installs bubblewrap and the virtualenv).
    func requireSandbox(_ sandbox: ScriptSandbox) async throws {
        let reason = await sandbox.unavailableReason()
        #expect(reason == nil, "the script sandbox cannot run here: \(reason ?? "")")
        try #require(reason == nil)
    }

    @Test func aScriptRunsWithPandasAndMatplotlibAndSendsAnImage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sandbox = Self.sandbox(directory)
        try await requireSandbox(sandbox)
        let result = try await sandbox.run(
            source: """
                import json, os
                import pandas as pd
                import matplotlib.pyplot as plt
                frame = pd.DataFrame({"x": [1, 2, 3]})
                plt.plot(frame["x"]); plt.savefig("/tmp/chart.png")
                print(json.dumps({"notify": True, "message": "sum %d uid %d" % (frame["x"].sum(), os.getuid()),
                                  "image_path": "/tmp/chart.png"}))
                """, data: .init())
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#""message": "sum 6"#))
        #expect(!result.stdout.contains("uid 0\""), "the script does not run as root")
        #expect(result.image.map(ScriptSandbox.isPNGOrJPEG) == true)
        #expect(result.killedBy == nil)
    }

    @Test func secretsFilesAndTheNetworkAreOutOfReach() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secretFile = directory.appending("data/state/system.duckdb")
        try FileManager.default.createDirectory(atPath: directory.appending("data/state"), withIntermediateDirectories: true)
        try Data("secret-system-database".utf8).write(to: URL(fileURLWithPath: secretFile))
        let sandbox = Self.sandbox(directory)
        try await requireSandbox(sandbox)
        let probes = """
            import os, socket
            def attempt(name, action):
                try:
                    print(name, "OPEN", repr(action())[:80])
                except Exception as error:
                    print(name, "DENIED", type(error).__name__)
            attempt("shadow", lambda: open("/etc/shadow").read())
            attempt("passwd", lambda: open("/etc/passwd").read())
            attempt("system-db", lambda: open("\(secretFile)").read())
            attempt("data-dir", lambda: os.listdir("\(directory.appending("data"))"))
            attempt("proc1", lambda: open("/proc/1/environ").read())
            attempt("environ", lambda: [k for k in os.environ if "SECRET" in k or "TOKEN" in k or "KEY" in k])
            attempt("server", lambda: socket.create_connection(("127.0.0.1", 8000), timeout=2))
            attempt("internet", lambda: socket.create_connection(("1.1.1.1", 443), timeout=2))
            attempt("write-usr", lambda: open("/usr/x", "w"))
            os.symlink("/etc/hostname", "/tmp/out")
            attempt("symlink", lambda: open("/tmp/out").read())
            attempt("escape", lambda: getattr(__builtins__, "__imp" + "ort__")("subprocess").run(["cat", "/etc/shadow"], capture_output=True).returncode)
            """
        let result = try await sandbox.run(source: probes, data: .init())
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = Dictionary(
            uniqueKeysWithValues: result.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: " ", maxSplits: 2)
                return parts.count >= 2 ? (String(parts[0]), String(parts[1])) : nil
            })
        for probe in ["shadow", "passwd", "system-db", "data-dir", "proc1", "server", "internet", "write-usr", "symlink"] {
            #expect(lines[probe] == "DENIED", "\(probe): \(result.stdout)")
        }
        #expect(result.stdout.contains("environ OPEN []"), "no secret-looking variable reaches the script: \(result.stdout)")
        #expect(lines["escape"] == "OPEN", "the word list is not what protects: the escape runs, and finds nothing to read")
        #expect(result.stdout.contains("escape OPEN 1"), "\(result.stdout)")
    }

    @Test func limitsEndHostileRunsAndSayWhich() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Every limit but the wall clock is tested with a wall clock far away: on a loaded machine (all suites at
        // once on two cores) 3 CPU seconds took more than 10 s of wall time, and the wall clock ended the loop first.
        let patient = Self.sandbox(directory) {
            $0.wallTime = .seconds(180)
            $0.cpuSeconds = 3
        }
        let hasty = Self.sandbox(directory) { $0.wallTime = .seconds(3) }
        try await requireSandbox(patient)
        let cases: [(String, String, ScriptSandbox, ScriptSandbox.Limit)] = [
            ("infinite loop", "while True:\n    pass\n", patient, .cpuTime),
            ("sleeping forever", "import time\ntime.sleep(3600)\n", hasty, .wallTime),
            ("memory bomb", "blocks = []\nwhile True:\n    blocks.append(bytearray(50 << 20))\n", patient, .memory),
            (
                "fork bomb",
                "import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError as e:\n        print(e, flush=True); raise\n",
                patient, .processes
            ),
            (
                "writing 1 GB", "with open('/tmp/big', 'wb') as f:\n    for _ in range(1024):\n        f.write(b'x' * (1 << 20))\n",
                patient, .disk
            ),
        ]
        for (name, source, sandbox, limit) in cases {
            let result = try await sandbox.run(source: source, data: .init())
            #expect(
                result.killedBy == limit,
                "\(name): \(String(describing: result.killedBy)) exit \(String(describing: result.exitCode)) \(result.stderr.suffix(300)) out \(result.stdout.suffix(200)) after \(result.duration)"
            )
            #expect(result.exitCode != 0, "\(name)")
        }
    }

    @Test func outputIsCappedAndMarkedTruncated() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sandbox = Self.sandbox(directory)
        try await requireSandbox(sandbox)
        let result = try await sandbox.run(source: "print('x' * 200000)\nimport sys\nsys.stderr.write('e' * 10)\n", data: .init())
        #expect(result.truncated && result.stdout.utf8.count == 64 << 10)
        #expect(result.stderr == "eeeeeeeeee" && result.outputBytes == 200_011)
    }

    @Test func theRunReadsOnlyTheDatabaseAndFilesItIsGiven() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let allowed = directory.appending("data/extracts/sales/data/orders.parquet")
        let denied = directory.appending("data/extracts/hr/data/salaries.parquet")
        try FileManager.default.createDirectory(atPath: directory.appending("data/extracts/sales/data"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.appending("data/extracts/hr/data"), withIntermediateDirectories: true)
        let database = URL(fileURLWithPath: directory.appending("run.duckdb"))
        do {
            let db = try Database(path: database.path)
            let connection = try db.connect()
            try connection.execute("COPY (SELECT 1 AS id, 9.5 AS amount) TO '\(allowed)' (FORMAT parquet)")
            try connection.execute("COPY (SELECT 1 AS id, 100000 AS salary) TO '\(denied)' (FORMAT parquet)")
            try connection.execute("CREATE VIEW orders AS SELECT * FROM read_parquet('\(allowed)')")
            try connection.execute("CHECKPOINT")
        }
        let sandbox = Self.sandbox(directory)
        try await requireSandbox(sandbox)
        let result = try await sandbox.run(
            source: """
                import duckdb, os
                con = duckdb.connect(os.environ["DA_DATABASE"], read_only=True)
                print("orders", con.execute("SELECT sum(amount) FROM orders").fetchone()[0])
                try:
                    print("salaries", con.execute("SELECT * FROM read_parquet('\(denied)')").fetchall())
                except Exception as error:
                    print("salaries DENIED", type(error).__name__)
                """, data: .init(database: database, paths: [allowed]))
        #expect(result.stdout.contains("orders 9.5"), "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("salaries DENIED"), "\(result.stdout) \(result.stderr)")
    }
}
