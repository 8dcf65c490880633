import AnalystCore
import DuckDB
import Foundation
import Synchronization

/// The Jira webhook's durable queue: every accepted event is a file under `extracts/jira/events/pending/`, written
/// (temporary file, `fsync`, rename, `fsync` of the folder) before the webhook answers 200, and removed only once it
/// was applied. A crash or a failed Jira fetch therefore loses nothing: what is pending after a restart is applied
/// then. Files are named by arrival time, a sequence number and the writer (the server, or `da-server jira backfill` in
/// another process), so they are applied in arrival order and two writers never pick one name.
public final class JiraEventQueue: Sendable {
    /// One queued event.
    public struct Event: Sendable, Equatable {
        /// The file's name: `<arrival µs>-<sequence>-<writer>.json`.
        public var id: String
        public var body: Data
    }

    /// What `GET /api/jira/webhook/health` shows about the queue.
    public struct Status: Sendable, Equatable {
        public var depth: Int
        public var lastEventAt: Date?
        public var lastError: String?

        public init(depth: Int, lastEventAt: Date?, lastError: String?) {
            self.depth = depth
            self.lastEventAt = lastEventAt
            self.lastError = lastError
        }
    }

    public let directory: URL
    /// Appends run here, not on the shared blocking threads, so a busy server never delays a webhook's answer.
    private let executor = BlockingExecutor(name: "jira-queue", maxConcurrent: 4)
    /// This process's part of every id.
    private let writer = String(UUID().uuidString.lowercased().prefix(8))
    private struct State {
        var sequence: UInt64 = 0
        var lastEventAt: Date?
        var lastError: String?
    }
    private let state = Mutex(State())

    /// The queue of the Jira source in `data` (`extracts/jira/events/pending/`).
    public convenience init(data: DataDirectory) {
        self.init(directory: data.extracts.appendingPathComponent("jira/events/pending", isDirectory: true))
    }

    public init(directory: URL) {
        self.directory = directory
    }

    /// Stores `body` durably and returns its id. Blocking (file writes and `fsync`): call off the cooperative pool.
    public func append(_ body: Data, now: Date = Date()) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sequence = state.withLock { state -> UInt64 in
            state.sequence += 1
            return state.sequence
        }
        let micros = UInt64(max(0, now.timeIntervalSince1970) * 1_000_000)
        let id = String(format: "%016llu-%08llu-", micros, sequence) + writer + ".json"
        let temporary = directory.appendingPathComponent(".\(id).tmp")
        let target = directory.appendingPathComponent(id)
        do {
            try JiraEventQueue.writeDurably(body, to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                throw ExtractError("could not queue a Jira event: \(String(cString: strerror(errno)))")
            }
            JiraEventQueue.syncDirectory(directory)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            state.withLock { $0.lastError = "could not queue an event: \(error)" }
            throw error
        }
        state.withLock { $0.lastEventAt = now }
        return id
    }

    /// `append` on the queue's own threads.
    public func appendInBackground(_ body: Data) async throws -> String {
        try await executor.run { try self.append(body) }
    }

    /// The pending events, oldest first. Blocking.
    public func pending(limit: Int = .max) -> [Event] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().prefix(limit)
        return names.compactMap { name in
            FileManager.default.contents(atPath: directory.appendingPathComponent(name).path).map { Event(id: name, body: $0) }
        }
    }

    /// The pending events' ids, oldest first (without reading them). Blocking.
    public func pendingIDs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
    }

    /// Removes applied events. Blocking.
    public func complete(_ ids: [String]) {
        for id in ids where !id.contains("/") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(id))
        }
        if !ids.isEmpty { JiraEventQueue.syncDirectory(directory) }
    }

    /// Records why applying events failed (shown by the health route until the next success).
    public func recordError(_ message: String?) {
        state.withLock { $0.lastError = message }
    }

    /// The queue's depth, last arrival and last error. Blocking (lists the folder).
    public func status() -> Status {
        let depth = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.count
        return state.withLock { Status(depth: depth, lastEventAt: $0.lastEventAt, lastError: $0.lastError) }
    }

    /// Writes `data` to a new file and flushes it to the disk.
    static func writeDurably(_ data: Data, to url: URL) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ExtractError("could not create \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                guard written > 0 else { throw ExtractError("could not write \(url.path): \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw ExtractError("could not flush \(url.path): \(String(cString: strerror(errno)))") }
    }

    /// Flushes a folder's entries (a rename or removal in it) to the disk.
    static func syncDirectory(_ url: URL) {
        let descriptor = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
