import Foundation

/// Runs the real `da` (or `da-server`) binary once, feeding `input` on standard input, without blocking a thread while it runs.
public enum CLIProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// `da <arguments>` with `environment` added to this process's (CONFIG-like variables of the test runner are
    /// cleared first so the user's own setup cannot leak in).
    /// `started` receives the process id once it runs (a test can signal it).
    public static func run(
        _ arguments: [String], environment: [String: String], input: String? = nil, binary: String = "da",
        started: (@Sendable (Int32) -> Void)? = nil
    ) async throws -> Result {
        let process = Process()
        process.executableURL = try ServerProcess.binary(named: binary)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for name in ["DA_SERVER", "DA_TOKEN", "DA_CONFIG_DIR", "DA_LOCAL_DIR", "XDG_CONFIG_HOME"] { merged[name] = nil }
        merged.merge(environment) { _, new in new }
        process.environment = merged
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        // Read both pipes from the start (a child that fills a pipe buffer would otherwise wait for us forever).
        let output = PipeDrain(stdout.fileHandleForReading), errors = PipeDrain(stderr.fileHandleForReading)
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            started?(process.processIdentifier)
            if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
            try? stdin.fileHandleForWriting.close()
        }
        // Process closes the parent's copies of the writing ends, so the drains end when the child has exited.
        let (out, err) = (await output.finish(), await errors.finish())
        return Result(status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }
}
