import Foundation
import Synchronization

/// Byte and table counts of a running sync, updated by the downloads and read by the progress display.
public final class SyncProgress: Sendable {
    /// A moment's view of the progress.
    public struct Snapshot: Sendable {
        public var tablesTotal = 0
        public var tablesDone = 0
        public var bytesTotal: Int64 = 0
        public var bytesDone: Int64 = 0
        /// The tables downloading now, with bytes received and expected.
        public var active: [String: (done: Int64, total: Int64)] = [:]
        public var started = Date()
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func plan(tables: Int, bytes: Int64) {
        state.withLock {
            $0.tablesTotal = tables
            $0.bytesTotal = bytes
            $0.started = Date()
        }
    }

    /// A download (or another attempt at it) starts with `alreadyHave` bytes on disk.
    func begin(_ id: String, alreadyHave: Int64, total: Int64) {
        state.withLock {
            let previous = $0.active[id]?.done ?? 0
            $0.active[id] = (alreadyHave, total)
            $0.bytesDone += alreadyHave - previous
        }
    }

    func received(_ id: String, bytes: Int64) {
        state.withLock {
            $0.active[id]?.done += bytes
            $0.bytesDone += bytes
        }
    }

    /// A download restarts from zero: its bytes so far no longer count.
    func restart(_ id: String) {
        state.withLock {
            let done = $0.active[id]?.done ?? 0
            $0.bytesDone -= done
            $0.active[id]?.done = 0
        }
    }

    /// One file of a table with several (a partition, keyed `<id>/<partition>`) is done: it leaves the active list;
    /// the table counts as done at `finish`.
    func settle(_ key: String, succeeded: Bool) {
        state.withLock {
            if !succeeded, let entry = $0.active[key] { $0.bytesTotal -= entry.total - entry.done }
            $0.active[key] = nil
        }
    }

    func finish(_ id: String, succeeded: Bool) {
        state.withLock {
            if !succeeded, let entry = $0.active[id] { $0.bytesTotal -= entry.total - entry.done }
            $0.active[id] = nil
            $0.tablesDone += 1
        }
    }
}

extension SyncProgress.Snapshot {
    /// Bytes per second since the start.
    public var rate: Double {
        let elapsed = Date().timeIntervalSince(started)
        return elapsed > 0 ? Double(bytesDone) / elapsed : 0
    }

    /// Seconds left at the current rate, `nil` before there is a rate.
    public var secondsLeft: Double? {
        let rate = self.rate
        guard rate > 0 else { return nil }
        return Double(max(0, bytesTotal - bytesDone)) / rate
    }
}
