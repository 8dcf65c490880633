import Foundation

/// Child processes whose output goes to a log file, run without blocking a thread (the real servers' tools).
enum LoggedTool {
    /// Sends `process`'s standard output and error to the end of `log` (created when missing).
    static func appendOutput(of process: Process, to log: String) {
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let output = FileHandle(forWritingAtPath: log)
        output?.seekToEndOfFile()
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = output ?? FileHandle.nullDevice
    }

    /// Starts `process` and waits for its end, polling, so no thread is held; returns its exit status.
    static func runToEnd(_ process: Process) async throws -> Int32 {
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }
}
