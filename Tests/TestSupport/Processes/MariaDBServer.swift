import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real, throw-away MariaDB server (Debian's `mariadb-server` package, installed by `make test`) on a free
/// loopback port, with its data directory and socket in the test's temporary directory. `root` has no password
/// (from the socket and from 127.0.0.1); `stop()` shuts the server down.
public final class MariaDBServer: @unchecked Sendable {
    public let port: Int
    /// The server's Unix socket (the admin side of the tests talks through it).
    public let socket: String
    /// Where the tools' and the server's output goes.
    private let log: String
    private let server = Process()

    static let installer = "/usr/bin/mariadb-install-db"
    static let daemon = "/usr/sbin/mariadbd"
    static let client = "/usr/bin/mariadb"

    /// Creates the data directory and starts the server; waits (without blocking a thread) until it accepts
    /// connections.
    public init(in directory: TemporaryDirectory) async throws {
        guard [Self.installer, Self.daemon, Self.client].allSatisfy(FileManager.default.isExecutableFile(atPath:)) else {
            throw MariaDBServerError.notInstalled
        }
        port = try FreePort.find()
        let root = directory.appending("mariadb")
        let data = root + "/data"
        socket = root + "/mariadb.sock"
        log = directory.appending("mariadb.log")
        // Its own temporary folder: bootstraps running at once in a shared /tmp remove each other's temporary tables.
        let temporary = root + "/tmp"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        // mariadbd refuses to run as root unless told to; it then owns its files as root.
        let user = geteuid() == 0 ? ["--user=root"] : []
        try await Self.run(
            log: log,
            Self.prepare(
                Process(), Self.installer,
                [
                    "--no-defaults", "--datadir=\(data)", "--tmpdir=\(temporary)", "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ] + user,
                log: log))

        Self.prepare(
            server, Self.daemon,
            [
                "--no-defaults", "--datadir=\(data)", "--tmpdir=\(temporary)", "--socket=\(socket)", "--port=\(port)",
                "--bind-address=127.0.0.1", "--pid-file=\(root)/mariadb.pid", "--skip-name-resolve", "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=32M",
            ] + user, log: log)
        try server.run()
        do {
            try await waitUntilReady()
            // With --skip-name-resolve a TCP client is 127.0.0.1, not localhost: give root that host too.
            try await execute(
                "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
        } catch {
            await stop()
            throw error
        }
    }

    private func waitUntilReady() async throws {
        for _ in 0..<600 {
            guard server.isRunning else { throw MariaDBServerError.failed("mariadbd exited; see \(log)") }
            if (try? await Self.run(log: log, Self.prepare(Process(), Self.client, clientArguments + ["-e", "SELECT 1"], log: log))) != nil
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw MariaDBServerError.failed("mariadbd did not accept connections within 30 s; see \(log)")
    }

    /// A connection string of the form DuckDB's mysql extension reads, for `database`.
    public func connectionString(database: String, user: String = "root", password: String? = nil) -> String {
        "host=127.0.0.1 port=\(port) user=\(user)" + (password.map { " password=\($0)" } ?? "") + " database=\(database)"
    }

    private var clientArguments: [String] {
        ["--no-defaults", "--socket=\(socket)", "--user=root", "--connect-timeout=2", "--batch"]
    }

    /// Runs `sql` (several statements separated by `;` are fine) as root through the socket; throws on the first error.
    public func execute(_ sql: String) async throws {
        try await Self.run(log: log, Self.prepare(Process(), Self.client, clientArguments + ["-e", sql], log: log))
    }

    /// Stops the server (SIGTERM: a clean shutdown) and waits for it to exit; kills it after 30 s.
    public func stop() async {
        guard server.isRunning else { return }
        server.terminate()
        for _ in 0..<600 where server.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if server.isRunning { kill(server.processIdentifier, SIGKILL) }
    }

    /// Sets `process` up to run `executable` with its output appended to `log`.
    @discardableResult
    private static func prepare(_ process: Process, _ executable: String, _ arguments: [String], log: String) -> Process {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        LoggedTool.appendOutput(of: process, to: log)
        return process
    }

    /// Runs a prepared tool to its end; throws when it fails, with the end of `log` (the test's folder, and the
    /// log with it, is gone when the failure is read).
    private static func run(log: String, _ process: Process) async throws {
        let status = try await LoggedTool.runToEnd(process)
        guard status == 0 else {
            let command = ([process.executableURL?.lastPathComponent ?? ""] + (process.arguments ?? [])).joined(separator: " ")
            let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
            let errors = lines.filter { $0.contains("ERROR") }.suffix(10)
            throw MariaDBServerError.failed(
                "\(command) exited with \(status); errors in its log:\n\(errors.joined(separator: "\n"))")
        }
    }
}

public enum MariaDBServerError: Error, CustomStringConvertible {
    case notInstalled
    case failed(String)

    public var description: String {
        switch self {
        case .notInstalled: "MariaDB is not installed (make test installs Debian's mariadb-server package)"
        case .failed(let message): message
        }
    }
}
