import Foundation

/// A real `da-server` process on a free loopback port, for end-to-end tests.
///
/// Finds the binary next to the test bundle (both are built into `swift build --show-bin-path`), or at
/// `$DA_SERVER_BIN`. Collects the server's output; `stop()` sends SIGTERM and waits for the exit.
public final class ServerProcess: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public let dataDirectory: String
    private let output = Pipe()
    private let drain: PipeDrain

    /// Starts `da-server serve` with the given data directory and extra arguments/environment.
    public init(dataDirectory: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        self.dataDirectory = dataDirectory
        self.port = try FreePort.find()
        process.executableURL = try ServerProcess.binary(named: "da-server")
        process.arguments =
            ["serve", "--data-dir", dataDirectory, "--host", "127.0.0.1", "--port", String(port)]
            + arguments
        var merged = ProcessInfo.processInfo.environment
        merged["CONFIG_DIR"] = nil
        merged["JWT_SECRET_KEY"] = "end-to-end-test-secret-0123456789abcdef"
        merged.merge(environment) { _, new in new }
        if merged["JWT_SECRET_KEY"]?.isEmpty == true { merged["JWT_SECRET_KEY"] = nil }
        process.environment = merged
        process.currentDirectoryURL = URL(fileURLWithPath: dataDirectory).deletingLastPathComponent()
        process.standardOutput = output
        process.standardError = output
        drain = PipeDrain(output.fileHandleForReading)
        try process.run()
    }

    /// Everything the server printed so far.
    public var log: String { drain.text }

    public var baseURL: URL {
        var components = URLComponents()
        components.scheme = "http"
        components.host = "127.0.0.1"
        components.port = port
        return components.url ?? URL(fileURLWithPath: "/")
    }

    /// Waits until `/api/health/ready` answers 200 — the start-up rebuild has published — (or the process exits);
    /// throws with the server's output on failure.
    public func waitUntilHealthy(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                throw ServerProcessError.exited(status: process.terminationStatus, log: log)
            }
            if let (_, status) = try? await HTTP.get(baseURL.appendingPathComponent("api/health/ready")), status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerProcessError.notHealthy(log: log)
    }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) async -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, signal)
        }
        return await waitForExit()
    }

    /// Waits for the process to exit by itself; returns its exit status.
    public func waitForExit() async -> Int32 {
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
        _ = await drain.finish()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Locates a built executable of this package.
    public static func binary(named name: String) throws -> URL {
        let environmentKey = name.uppercased().replacingOccurrences(of: "-", with: "_") + "_BIN"
        if let explicit = ProcessInfo.processInfo.environment[environmentKey] {
            return URL(fileURLWithPath: explicit)
        }
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ServerProcessError.binaryNotFound(name: name, searchedFrom: Bundle.main.bundleURL.path)
    }
}

public enum ServerProcessError: Error, CustomStringConvertible {
    case binaryNotFound(name: String, searchedFrom: String)
    case exited(status: Int32, log: String)
    case notHealthy(log: String)

    public var description: String {
        switch self {
        case .binaryNotFound(let name, let from):
            return "\(name) not found near \(from); run `swift build` first or set \(name.uppercased())_BIN"
        case .exited(let status, let log): return "the server exited with status \(status):\n\(log)"
        case .notHealthy(let log): return "the server did not become healthy:\n\(log)"
        }
    }
}
