import Foundation
import Logging
import Synchronization

/// Work the scheduler runs every `period` besides table syncs (the Jira SLA poll, the Jira consistency pass). A pass
/// still running when it is due again is skipped with a log line, never started twice.
public final class PeriodicPass: Sendable {
    public let name: String
    public let period: Duration
    let work: @Sendable () async -> Void
    private let state = Mutex<(running: Bool, lastStart: ContinuousClock.Instant?)>((false, nil))

    /// - Parameter startImmediately: due at the first check (otherwise one `period` after the scheduler starts).
    public init(name: String, every period: Duration, startImmediately: Bool = false, work: @escaping @Sendable () async -> Void) {
        self.name = name
        self.period = period
        self.work = work
        if !startImmediately { state.withLock { $0.lastStart = .now } }
    }

    /// Whether it is due at `now` and not running.
    public enum Due: Sendable, Equatable { case no, yes, stillRunning }

    /// Marks the pass started when it is due at `now`; the caller then runs `run()`.
    public func claim(now: ContinuousClock.Instant = .now) -> Due {
        state.withLock { state in
            if let last = state.lastStart, now - last < period { return .no }
            if state.running { return .stillRunning }
            state.running = true
            state.lastStart = now
            return .yes
        }
    }

    /// Runs the work of a claimed pass.
    public func run() async {
        await work()
        state.withLock { $0.running = false }
    }

    /// Whether a run is in progress.
    public var isRunning: Bool { state.withLock { $0.running } }
}
