import Foundation

/// `da scripts run --local FILE`: runs a notification script with the analyst's own Python against the workspace's
/// DuckDB, offline, with the variables the server's sandbox sets (`DA_DATABASE`, `DATA_DIR`), so a script written
/// for the server runs unchanged. It is the analyst's own machine: there is no sandbox, and nothing is notified.
public struct LocalScriptRunner: Sendable {
    /// The DuckDB module the server's scripts virtualenv pins (the workspace database is written by the same version).
    public static let duckdbRequirement = "duckdb==1.5.5"

    public let workspace: Workspace
    /// The environment the script inherits (the analyst's own); `DA_PYTHON` names the interpreter, else `python3`.
    public let environment: [String: String]

    public init(workspace: Workspace, environment: [String: String]) {
        self.workspace = workspace
        self.environment = environment
    }

    /// A checked run: the script, the interpreter and the database all exist, and the interpreter has `duckdb`.
    public struct Launch: Sendable {
        public let script: URL
        public let python: URL
        /// The interpreter's `duckdb.__version__`.
        public let duckdbVersion: String
        /// Set when that version is not the pinned one (the database may not open with it).
        public var warning: String? {
            let pinned = LocalScriptRunner.duckdbRequirement.replacingOccurrences(of: "duckdb==", with: "")
            guard duckdbVersion != pinned else { return nil }
            return "Python's duckdb is \(duckdbVersion), the workspace's database is written by DuckDB \(pinned); "
                + "if it does not open: \(python.path) -m pip install \(LocalScriptRunner.duckdbRequirement)"
        }
    }

    /// What a local run did, as `--json` prints it.
    public struct Outcome: Sendable, Encodable {
        public var file: String
        public var python: String
        public var database: String
        /// The script's exit status; `nil` when a signal ended it.
        public var exitCode: Int32?
        /// The signal that ended it, if one did.
        public var signal: Int32?
        public var durationMs: Int
        /// Its output, when it was captured rather than streamed.
        public var stdout: String?
        public var stderr: String?

        /// The status `da` ends with: the script's own, or 128 + the signal as shells report it.
        public var status: Int32 { exitCode ?? 128 + (signal ?? 0) }

        enum CodingKeys: String, CodingKey {
            case file, python, database
            case exitCode = "exit_code"
            case signal
            case durationMs = "duration_ms"
            case stdout, stderr
        }
    }

    /// Checks what a run of `file` needs; `ClientError.local` saying what is missing and how to get it.
    public func prepare(file: String) async throws -> Launch {
        let script = URL(fileURLWithPath: file).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: script.path, isDirectory: &isDirectory), !isDirectory.boolValue,
            FileManager.default.isReadableFile(atPath: script.path)
        else { throw ClientError.local("Cannot read the script \(file): no such file") }
        guard FileManager.default.fileExists(atPath: workspace.database.path) else {
            throw ClientError.local(
                "Local DuckDB not found (\(workspace.database.path)). Run: da sync (or run the script on the server: da scripts deploy FILE)"
            )
        }
        let python = try interpreter()
        let check = try await LocalScriptRunner.capture(
            python, ["-c", "import duckdb, sys; sys.stdout.write(duckdb.__version__)"], environment: environment)
        guard check.status == 0 else {
            throw ClientError.local(
                "\(python.path) cannot import duckdb. Install it: \(python.path) -m pip install \(LocalScriptRunner.duckdbRequirement) "
                    + "(or point DA_PYTHON at a Python that has it)")
        }
        return Launch(script: script, python: python, duckdbVersion: check.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs the checked script to its end. Its output streams to this process's standard output and error, unless
    /// `capture`, when the outcome carries it instead. The script inherits this process's standard input.
    public func run(_ launch: Launch, capture: Bool) async throws -> Outcome {
        var scriptEnvironment = environment
        scriptEnvironment["DA_DATABASE"] = workspace.database.path
        scriptEnvironment["DATA_DIR"] = workspace.database.deletingLastPathComponent().path
        scriptEnvironment["PYTHONUNBUFFERED"] = "1"
        let process = Process()
        process.executableURL = launch.python
        process.arguments = [launch.script.path]
        process.environment = scriptEnvironment
        var files: (stdout: URL, stderr: URL)?
        var writers: [FileHandle] = []
        defer {
            for writer in writers { try? writer.close() }
            if let files {
                try? FileManager.default.removeItem(at: files.stdout)
                try? FileManager.default.removeItem(at: files.stderr)
            }
        }
        if capture {
            let folder = FileManager.default.temporaryDirectory
            let name = "da-script-" + UUID().uuidString.lowercased()
            let output = (stdout: folder.appendingPathComponent(name + ".out"), stderr: folder.appendingPathComponent(name + ".err"))
            files = output
            for file in [output.stdout, output.stderr] {
                guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw ClientError.local("Cannot create \(file.path) for the script's output")
                }
            }
            let handles = (stdout: try FileHandle(forWritingTo: output.stdout), stderr: try FileHandle(forWritingTo: output.stderr))
            process.standardOutput = handles.stdout
            process.standardError = handles.stderr
            writers = [handles.stdout, handles.stderr]
        }
        let started = ContinuousClock.now
        let ending = try await LocalScriptRunner.wait(for: process)
        var outcome = Outcome(
            file: launch.script.path, python: launch.python.path, database: workspace.database.path,
            exitCode: ending.signal == nil ? ending.status : nil, signal: ending.signal,
            durationMs: Int((ContinuousClock.now - started) / .milliseconds(1)), stdout: nil, stderr: nil)
        if let files {
            outcome.stdout = String(decoding: (try? Data(contentsOf: files.stdout)) ?? Data(), as: UTF8.self)
            outcome.stderr = String(decoding: (try? Data(contentsOf: files.stderr)) ?? Data(), as: UTF8.self)
        }
        return outcome
    }

    /// `DA_PYTHON` (a path, or a name looked up on `PATH`), else `python3` on `PATH`.
    func interpreter() throws -> URL {
        let chosen = environment["DA_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
        let name = chosen ?? "python3"
        let candidates: [String]
        if name.contains("/") {
            candidates = [name]
        } else {
            let path = environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
            candidates = path.split(separator: ":").map { "\($0)/\(name)" }
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            return URL(fileURLWithPath: found)
        }
        let install = "install Python 3, then: python3 -m pip install \(LocalScriptRunner.duckdbRequirement)"
        if chosen != nil { throw ClientError.local("DA_PYTHON names \(name), which is not an executable: fix DA_PYTHON or \(install)") }
        throw ClientError.local("python3 not found on PATH: \(install) (or set DA_PYTHON to a Python that has duckdb)")
    }

    /// Runs `python arguments` and returns its status with its standard output (a few bytes: read after it ends).
    static func capture(_ python: URL, _ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = python
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let ending = try await wait(for: process)
        let data = (try? output.fileHandleForReading.readToEnd()) ?? Data()
        return (ending.signal == nil ? ending.status : 128 + (ending.signal ?? 0), String(decoding: data, as: UTF8.self))
    }

    /// Starts `process` and waits for it without blocking a thread: its exit status, or the signal that ended it.
    static func wait(for process: Process) async throws -> (status: Int32, signal: Int32?) {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(status: Int32, signal: Int32?), Error>) in
            process.terminationHandler = { ended in
                let status = ended.terminationStatus
                continuation.resume(returning: ended.terminationReason == .uncaughtSignal ? (status, status) : (status, nil))
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                let program = process.executableURL?.path ?? "python3"
                continuation.resume(throwing: ClientError.local("Cannot start \(program): \(error.localizedDescription)"))
            }
        }
    }
}
