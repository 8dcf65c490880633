import DuckDB
import Foundation
import Synchronization

/// Runs an analyst's Python script confined by the operating system, never by inspecting its text:
///
/// - **bubblewrap** (`bwrap`): new user, PID, IPC, UTS, cgroup and network namespaces (no network at all), a
///   read-only root made of `/usr` (the Python runtime) and the scripts virtualenv, a private `/tmp` of
///   `limits.diskBytes` as the only writable place, a `/proc` that shows only the sandbox, no view of the data
///   directory, the server's files or other users' uploads — only the script, the run's read-only database and the
///   parquet files of tables the owner may read, each mounted read-only at its own path;
/// - **resource limits** (`prlimit`): CPU seconds, address space, processes (counted per user id, so the run gets a
///   user id of its own through `setpriv` when the server runs as root), file size, open files, no core dumps; and a
///   wall-clock limit after which the whole sandbox is killed;
/// - **a fixed environment**: nothing of the server's environment reaches the script (no secrets, no tokens).
///
/// Where bubblewrap cannot create namespaces, `availability` says why and `run` refuses: scripts never run
/// unconfined.
public final class ScriptSandbox: Sendable {
    /// The limits of one run.
    public struct Limits: Sendable, Equatable {
        /// Wall-clock time (`SCRIPT_TIMEOUT`, `scripts.timeout_seconds`; 300 s).
        public var wallTime: Duration = .seconds(300)
        /// CPU seconds (the wall time by default).
        public var cpuSeconds = 300
        /// Address space of every process (512 MiB).
        public var memoryBytes = 512 << 20
        /// Processes and threads of the run (64).
        public var processes = 64
        /// What the run may write (its `/tmp`, 64 MiB).
        public var diskBytes = 64 << 20
        /// Kept of each of stdout and stderr (64 KiB); more sets `truncated`.
        public var outputBytes = 64 << 10
        /// The largest image a run may send (10 MiB).
        public var imageBytes = 10 << 20

        public init() {}

        /// The wall time from `SCRIPT_TIMEOUT` (the reference's variable) or `scripts.timeout_seconds` (CPU seconds
        /// follow it); refused unless from 1 to 3600 seconds.
        public static func resolve(instance: InstanceConfig, environment: [String: String]) throws(ConfigError) -> Limits {
            var limits = Limits()
            let text = environment["SCRIPT_TIMEOUT"].flatMap { $0.isEmpty ? nil : $0 }
            let key = text == nil ? "scripts.timeout_seconds" : "SCRIPT_TIMEOUT"
            guard let seconds = text.map({ Int($0) }) ?? instance.int("scripts.timeout_seconds").map({ Optional($0) }) else {
                return limits
            }
            guard let seconds, (1...3600).contains(seconds) else {
                throw ConfigError.invalidValue(key: key, message: "must be a number of seconds from 1 to 3600")
            }
            limits.wallTime = .seconds(seconds)
            limits.cpuSeconds = seconds
            return limits
        }
    }

    /// Which limit ended a run.
    public enum Limit: String, Sendable, Equatable {
        case wallTime = "wall_time"
        case cpuTime = "cpu_time"
        case memory
        case processes
        case disk
    }

    /// What a run produced.
    public struct Result: Sendable, Equatable {
        public var exitCode: Int?
        public var stdout: String
        public var stderr: String
        /// Whether stdout or stderr was longer than kept.
        public var truncated: Bool
        /// The limit that ended the run, if one did.
        public var killedBy: Limit?
        /// The PNG or JPEG the script named as `image_path`, copied out of its `/tmp`.
        public var image: Data?
        /// Why the image the script named was not taken.
        public var imageError: String?
        public var duration: Duration
        /// Bytes the script wrote to stdout and stderr.
        public var outputBytes: Int
    }

    /// What the script may read: a DuckDB file for `/data/analytics.duckdb` and the parquet files (or partition
    /// folders) its views read, mounted read-only at their own paths.
    public struct DataMounts: Sendable {
        public var database: URL?
        public var paths: [String]

        public init(database: URL? = nil, paths: [String] = []) {
            self.database = database
            self.paths = paths
        }
    }

    /// Why scripts cannot run here.
    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let virtualenv: URL
    public let workRoot: URL
    public let limits: Limits
    /// Sandboxes running at once; more runs wait for a free one (the machine's cores are the real limit).
    public static let maxConcurrentRuns = 4
    /// Process-wide, like the user ids below: every sandbox of this process shares them.
    private static let gate = RunGate(slots: ScriptSandbox.maxConcurrentRuns)
    /// Threads that read the runs' outputs (two a run), apart from the shared executor, which a long run must not hold.
    private static let outputReaders = BlockingExecutor(name: "script-output", maxConcurrent: 2 * ScriptSandbox.maxConcurrentRuns)
    private let availabilityCache = Mutex<String??>(nil)
    /// User ids given to runs when the server runs as root: one per concurrent run, from a block of this process's
    /// own (chosen by its pid), so runs of two servers on one machine do not share a process limit.
    static let runIDs: Range<UInt32> = {
        let block = UInt32(getpid() % 100_000) * 8
        return (200_000 + block)..<(200_000 + block + UInt32(ScriptSandbox.maxConcurrentRuns))
    }()
    private static let usedIDs = Mutex<Set<UInt32>>([])

    /// - Parameters:
    ///   - virtualenv: the scripts virtualenv (`make scripts-venv`: Python with duckdb, pandas, numpy, matplotlib).
    ///   - workRoot: where runs prepare their files (removed after each run).
    public init(virtualenv: URL, workRoot: URL, limits: Limits = Limits()) {
        self.virtualenv = virtualenv
        self.workRoot = workRoot
        self.limits = limits
    }

    /// The default virtualenv: `SCRIPTS_VENV`, else `${XDG_CACHE_HOME:-~/.cache}/ai-data-analyst/scripts-venv`.
    public static func defaultVirtualenv(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["SCRIPTS_VENV"], !path.isEmpty { return URL(fileURLWithPath: path, isDirectory: true) }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache"
        return URL(fileURLWithPath: cache + "/ai-data-analyst/scripts-venv", isDirectory: true)
    }

    // MARK: - Availability

    /// `nil` when scripts can run; otherwise why not, in words that say what to do. Probed once (a real sandbox
    /// starts and runs Python).
    public func unavailableReason() async -> String? {
        if let cached = availabilityCache.withLock({ $0 }) { return cached }
        let reason = await probe()
        availabilityCache.withLock { $0 = .some(reason) }
        return reason
    }

    private func probe() async -> String? {
        for tool in ["bwrap", "prlimit", "setpriv"] where Self.executable(tool) == nil {
            return "\(tool) is not installed (Debian packages bubblewrap and util-linux; `make` installs them)"
        }
        let python = virtualenv.appendingPathComponent("bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return "the scripts virtualenv \(virtualenv.path) is missing (make scripts-venv creates it, or set SCRIPTS_VENV)"
        }
        do {
            let result = try await execute(source: "print('ok')", data: DataMounts(), limits: limits, checkAvailability: false)
            guard result.exitCode == 0, result.stdout.hasPrefix("ok") else {
                return "the sandbox does not start here: \(result.stderr.prefix(300))"
            }
            return nil
        } catch {
            return "the sandbox does not start here (bubblewrap needs user namespaces): \(error)"
        }
    }

    // MARK: - Running

    /// Runs `source` in a fresh sandbox that can read `data`; throws `Unavailable` where the sandbox cannot start.
    public func run(source: String, data: DataMounts, limits override: Limits? = nil) async throws -> Result {
        try await execute(source: source, data: data, limits: override ?? limits, checkAvailability: true)
    }

    private func execute(source: String, data: DataMounts, limits: Limits, checkAvailability: Bool) async throws -> Result {
        if checkAvailability, let reason = await unavailableReason() { throw Unavailable(description: reason) }
        await Self.gate.acquire()
        defer { Self.gate.release() }
        let run = workRoot.appendingPathComponent(UUID().uuidString.lowercased(), isDirectory: true)
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: run) }
        let script = run.appendingPathComponent("script.py"), launcher = run.appendingPathComponent(ScriptLauncher.fileName)
        try Data(source.utf8).write(to: script)
        try Data(ScriptLauncher.source.utf8).write(to: launcher)
        for file in [script, launcher, run] {
            try FileManager.default.setAttributes([.posixPermissions: file == run ? 0o755 : 0o644], ofItemAtPath: file.path)
        }
        let runID = claimID()
        defer { releaseID(runID) }
        if geteuid() == 0, runID == nil { throw Unavailable(description: "no free user id for the run; try again") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable("prlimit") ?? "/usr/bin/prlimit")
        process.arguments = arguments(script: script, launcher: launcher, data: data, limits: limits, runID: runID)
        process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        process.currentDirectoryURL = run
        let output = Pipe(), errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        let started = ContinuousClock.now
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { exited.continuation.yield($0.terminationStatus) }
        try process.run()
        let pid = process.processIdentifier
        async let answer = Self.read(
            output.fileHandleForReading, limit: 2 * limits.outputBytes + 2 * limits.imageBytes + (1 << 20), on: Self.outputReaders)
        async let launcherErrors = Self.read(errors.fileHandleForReading, limit: 64 << 10, on: Self.outputReaders)
        let timedOut = await Self.wait(for: exited.stream, pid: pid, wallTime: limits.wallTime)
        let (answerData, _) = await answer
        let (errorData, _) = await launcherErrors
        return Self.result(
            answer: answerData, launcherErrors: errorData, timedOut: timedOut, limits: limits, duration: ContinuousClock.now - started)
    }

    /// The command line: prlimit → bwrap → (as root: setpriv to the run's own user id, every capability dropped) →
    /// the launcher. As root bubblewrap mounts with root's rights (the virtualenv and data may live under a private
    /// home) and the script then runs as an unprivileged user id of its own, so the process limit holds; otherwise
    /// bubblewrap makes a user namespace and the process limit counts the server user's processes too.
    private func arguments(script: URL, launcher: URL, data: DataMounts, limits: Limits, runID: UInt32?) -> [String] {
        var arguments = [
            // The soft CPU limit sends SIGXCPU (reported as cpu_time); the hard one, a second later, SIGKILL.
            "--cpu=\(limits.cpuSeconds):\(limits.cpuSeconds + 1)", "--as=\(limits.memoryBytes)", "--nproc=\(limits.processes)",
            "--fsize=\(limits.diskBytes)", "--nofile=256", "--core=0", "--", Self.executable("bwrap") ?? "/usr/bin/bwrap",
        ]
        if runID != nil {
            arguments += [
                "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try", "--cap-add", "CAP_SETUID",
                "--cap-add", "CAP_SETGID",
            ]
        } else {
            arguments += ["--unshare-all"]
        }
        arguments += [
            "--die-with-parent", "--new-session", "--clearenv",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
        ]
        if FileManager.default.fileExists(atPath: "/usr/lib64") { arguments += ["--symlink", "usr/lib64", "/lib64"] }
        arguments += [
            "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache", "--ro-bind-try", "/etc/fonts", "/etc/fonts",
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", "\(limits.diskBytes)", "--tmpfs", "/tmp",
        ]
        // Every folder a mount goes into is made readable first (bubblewrap would make missing ones private).
        var folders: [String] = []
        for path in [virtualenv.path, "/script/x", "/data/x"] + data.paths {
            var folder = ""
            for component in path.split(separator: "/").dropLast() {
                folder += "/" + component
                if !folders.contains(folder) { folders.append(folder) }
            }
        }
        for folder in folders where folder != "/usr" && !folder.hasPrefix("/usr/") && folder != "/tmp" {
            arguments += ["--perms", "0755", "--dir", folder]
        }
        arguments += [
            "--ro-bind", virtualenv.path, virtualenv.path,
            "--ro-bind", script.path, "/script/script.py", "--ro-bind", launcher.path, "/script/\(ScriptLauncher.fileName)",
        ]
        if let database = data.database { arguments += ["--ro-bind", database.path, "/data/analytics.duckdb"] }
        for path in data.paths { arguments += ["--ro-bind", path, path] }
        let python = virtualenv.appendingPathComponent("bin/python").path
        for (name, value) in [
            ("PATH", virtualenv.appendingPathComponent("bin").path + ":/usr/bin:/bin"), ("HOME", "/tmp"), ("TMPDIR", "/tmp"),
            ("LANG", "C.UTF-8"), ("MPLCONFIGDIR", "/tmp"), ("MPLBACKEND", "Agg"), ("OPENBLAS_NUM_THREADS", "1"),
            ("OMP_NUM_THREADS", "1"), ("PYTHONDONTWRITEBYTECODE", "1"), ("PYTHONUNBUFFERED", "1"), ("DATA_DIR", "/data"),
            ("DA_DATABASE", "/data/analytics.duckdb"),
        ] {
            arguments += ["--setenv", name, value]
        }
        arguments += ["--chdir", "/tmp", "--"]
        if let runID {
            arguments += [
                Self.executable("setpriv") ?? "/usr/bin/setpriv", "--reuid=\(runID)", "--regid=\(runID)", "--clear-groups",
                "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--",
            ]
        }
        arguments += [
            python, "/script/\(ScriptLauncher.fileName)", "\(limits.outputBytes)", "\(limits.imageBytes)", "/script/script.py",
        ]
        return arguments
    }

    // MARK: - Helpers

    /// A user id of its own for the run when the server is root (the process limit counts per user id); `nil` otherwise
    /// (the gate keeps runs within the block, so one is always free).
    private func claimID() -> UInt32? {
        guard geteuid() == 0 else { return nil }
        return Self.usedIDs.withLock { used in
            guard let free = Self.runIDs.first(where: { !used.contains($0) }) else { return nil }
            used.insert(free)
            return free
        }
    }

    private func releaseID(_ id: UInt32?) {
        guard let id else { return }
        _ = Self.usedIDs.withLock { $0.remove(id) }
    }

    static func executable(_ name: String) -> String? {
        for directory in ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"] {
            let path = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Reads `handle` to its end on a blocking thread, keeping at most `limit` bytes (the rest is read and dropped).
    static func read(_ handle: FileHandle, limit: Int, on executor: BlockingExecutor) async -> (Data, Int) {
        (try? await executor.run {
            var kept = Data()
            var total = 0
            while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                total += chunk.count
                if kept.count < limit { kept.append(chunk.prefix(limit - kept.count)) }
            }
            return (kept, total)
        }) ?? (Data(), 0)
    }

    /// Waits for the process to end, killing it (and so its whole sandbox) at the wall-clock limit; whether it did.
    static func wait(for exit: AsyncStream<Int32>, pid: Int32, wallTime: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in exit { return false }
                return false
            }
            group.addTask {
                do {
                    try await Task.sleep(for: wallTime)
                } catch {
                    return false
                }
                kill(pid, SIGKILL)
                return true
            }
            let first = await group.next() ?? false
            group.cancelAll()
            if first {
                // Killed: the exit still has to be reaped before the outputs end.
                _ = await group.next()
            }
            return first
        }
    }

    /// The launcher's answer, read as untrusted input, with the limit that ended the run.
    static func result(answer: Data, launcherErrors: Data, timedOut: Bool, limits: Limits, duration: Duration) -> Result {
        struct Answer: Decodable {
            var exit_code: Int?
            var signal: Int32?
            var stdout: String
            var stderr: String
            var stdout_bytes: Int
            var stderr_bytes: Int
            var image: String?
            var image_error: String?
        }
        let decoded = try? JSONDecoder().decode(Answer.self, from: answer)
        var result = Result(
            exitCode: decoded?.exit_code, stdout: String((decoded?.stdout ?? "").prefix(limits.outputBytes)),
            stderr: String((decoded?.stderr ?? String(decoding: launcherErrors, as: UTF8.self)).prefix(limits.outputBytes)),
            truncated: (decoded?.stdout_bytes ?? 0) > limits.outputBytes || (decoded?.stderr_bytes ?? 0) > limits.outputBytes,
            killedBy: nil, image: nil, imageError: decoded?.image_error, duration: duration,
            outputBytes: (decoded?.stdout_bytes ?? 0) + (decoded?.stderr_bytes ?? 0))
        if let encoded = decoded?.image, let image = Data(base64Encoded: encoded) {
            if image.count > limits.imageBytes {
                result.imageError = "the image is larger than \(limits.imageBytes) bytes"
            } else if Self.isPNGOrJPEG(image) {
                result.image = image
            } else {
                result.imageError = "image_path must name a PNG or JPEG file"
            }
        }
        result.killedBy = limit(timedOut: timedOut, signal: decoded?.signal, stderr: result.stderr)
        if result.killedBy != nil, result.exitCode == 0 { result.exitCode = nil }
        return result
    }

    /// Which limit explains how the run ended.
    static func limit(timedOut: Bool, signal: Int32?, stderr: String) -> Limit? {
        if timedOut { return .wallTime }
        switch signal {
        case SIGXCPU?: return .cpuTime
        case SIGXFSZ?: return .disk
        default: break
        }
        if stderr.contains("MemoryError") || stderr.contains("Cannot allocate memory") || stderr.contains("std::bad_alloc") {
            return .memory
        }
        if stderr.contains("Resource temporarily unavailable") || stderr.contains("can't start new thread") {
            return .processes
        }
        if stderr.contains("No space left on device") || stderr.contains("File too large") { return .disk }
        return nil
    }

    /// Whether `data` starts like a PNG or a JPEG file.
    public static func isPNGOrJPEG(_ data: Data) -> Bool {
        data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) || data.starts(with: [0xFF, 0xD8, 0xFF])
    }
}

/// At most `slots` holders at once; the others wait in order.
final class RunGate: Sendable {
    private let state: Mutex<(free: Int, waiting: [CheckedContinuation<Void, Never>])>

    init(slots: Int) {
        state = Mutex((slots, []))
    }

    func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                guard state.free > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
