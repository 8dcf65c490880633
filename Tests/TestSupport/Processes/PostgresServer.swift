import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real, throw-away PostgreSQL cluster (Debian's `postgresql` package, installed by `make test`) on a free
/// loopback port, with trust authentication for user `postgres`. The server runs as a child process (not
/// daemonised by `pg_ctl`, whose server would outlive the test holding its pipes); `stop()` shuts it down.
public final class PostgresServer: @unchecked Sendable {
    public let port: Int
    private let binaries: String
    /// Where the tools' and the server's output goes.
    private let log: String
    private let server = Process()

    /// Creates the cluster and starts the server; waits (without blocking a thread) until it accepts connections.
    public init(in directory: TemporaryDirectory) async throws {
        guard let binaries = Self.binaryDirectory() else { throw PostgresServerError.notInstalled }
        self.binaries = binaries
        port = try FreePort.find()
        let root = directory.appending("postgres")
        let data = root + "/data"
        log = directory.appending("postgres.log")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if geteuid() == 0 {
            // initdb and postgres refuse to run as root: the cluster belongs to the `postgres` user.
            try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: root)
        }
        try await Self.run(
            Self.prepare(Process(), binaries + "/initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], log: log))

        Self.prepare(
            server, binaries + "/postgres",
            ["-D", data, "-p", String(port), "-k", root, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"], log: log)
        try server.run()
        for _ in 0..<600 {
            guard server.isRunning else { throw PostgresServerError.failed("postgres exited; see \(log)") }
            let ready = Self.prepare(Process(), binaries + "/pg_isready", ["-h", "127.0.0.1", "-p", String(port)], log: log)
            if (try? await Self.run(ready)) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.terminate()
        throw PostgresServerError.failed("postgres did not accept connections within 30 s; see \(log)")
    }

    /// A libpq connection string for the `postgres` database.
    public var connectionString: String { "host=127.0.0.1 port=\(port) user=postgres dbname=postgres" }

    /// Runs `sql` with `psql`, stopping at the first error.
    public func execute(_ sql: String) async throws {
        try await Self.run(
            Self.prepare(
                Process(), binaries + "/psql",
                ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], log: log))
    }

    /// Stops the server (fast shutdown: open sessions are ended) and waits for it to exit.
    public func stop() async {
        guard server.isRunning else { return }
        server.interrupt()
        for _ in 0..<600 where server.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if server.isRunning { server.terminate() }
    }

    /// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`.
    static func binaryDirectory() -> String? {
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return versions.compactMap(Int.init).sorted().reversed().map { "\(base)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }

    /// Sets `process` up to run `executable` (as the `postgres` user when we are root; `setpriv` executes it in
    /// place, so the process is the program itself) with its output appended to `log`.
    @discardableResult
    private static func prepare(_ process: Process, _ executable: String, _ arguments: [String], log: String) -> Process {
        if geteuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        LoggedTool.appendOutput(of: process, to: log)
        return process
    }

    /// Runs a prepared tool to its end; throws when it fails.
    private static func run(_ process: Process) async throws {
        let status = try await LoggedTool.runToEnd(process)
        guard status == 0 else {
            let command = (process.arguments ?? []).joined(separator: " ")
            throw PostgresServerError.failed("\(command) exited with \(status); see the log")
        }
    }
}

public enum PostgresServerError: Error, CustomStringConvertible {
    case notInstalled
    case failed(String)

    public var description: String {
        switch self {
        case .notInstalled: "PostgreSQL is not installed (make test installs Debian's postgresql package)"
        case .failed(let message): message
        }
    }
}
