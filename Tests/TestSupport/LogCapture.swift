import AnalystCore
import Foundation
import Logging

/// Collects log lines in memory so a test can assert on what was logged.
public final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var captured: [String] = []

    public init() {}

    /// A logger whose JSON lines land in this capture.
    public func logger(label: String = "test", level: Logger.Level = .info) -> Logger {
        let output = LogOutput { [self] line in lock.withLock { captured.append(line) } }
        return Logger(label: label) { JSONLogHandler(label: $0, level: level, output: output) }
    }

    /// Every line so far.
    public var lines: [String] {
        lock.withLock { captured }
    }
}
