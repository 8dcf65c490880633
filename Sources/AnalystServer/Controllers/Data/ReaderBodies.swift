import AnalystCore
import NIOCore
import Synchronization

/// Answers that depend only on the set of tables a reader may read and on a version of the data behind them, kept
/// as bytes: the manifest's table list (`{"tables":{…}`, by the version of the published tables) and the profiles
/// bundle (by the profiles hash). Most requests send a stored buffer (shared, not copied).
///
/// Bounded: at most `maxEntries` bodies and `maxBytes` in all (a full cache is emptied before the next one is kept);
/// a body of another version empties it, and `release(ifUnusedFor:)` empties one nobody asked for a while. Readers
/// with the same access share one body.
final class ReaderBodies<Version: Hashable & Sendable>: Sendable {
    /// Who a body is for: every table (admins) or exactly these tables.
    enum Readers: Hashable, Sendable {
        case everyone
        case only(Set<String>)
    }

    private struct State {
        var version: Version?
        var bodies: [Readers: ByteBuffer] = [:]
        var bytes = 0
        /// When a body was last asked for.
        var lastUse = ContinuousClock.now
    }

    let maxEntries: Int
    let maxBytes: Int
    private let state = Mutex(State())

    init(maxEntries: Int = 64, maxBytes: Int = 64 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    /// The stored body for `readable` (`nil`: every table) if it was rendered from `current`, else the one `render`
    /// makes (with the version it was rendered from), kept for the next request.
    func body(
        readable: Set<String>?, current: Version, render: () async throws -> (version: Version, body: ByteBuffer)
    ) async rethrows -> ByteBuffer {
        let readers = readable.map(Readers.only) ?? .everyone
        let stored = state.withLock { state in
            state.lastUse = .now
            return state.version == current ? state.bodies[readers] : nil
        }
        if let stored { return stored }
        let (version, body) = try await render()
        keep(body, for: readers, version: version)
        return body
    }

    /// Empties the cache if no body was asked for during `idle` (up to `now`); whether it dropped any.
    @discardableResult
    func release(ifUnusedFor idle: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            guard !state.bodies.isEmpty, now - state.lastUse >= idle else { return false }
            state = State()
            return true
        }
    }

    /// How many bodies and bytes are kept (for tests and diagnostics).
    var stored: (entries: Int, bytes: Int) { state.withLock { ($0.bodies.count, $0.bytes) } }

    private func keep(_ body: ByteBuffer, for readers: Readers, version: Version) {
        guard body.readableBytes <= maxBytes else { return }
        state.withLock { state in
            if version != state.version { state = State(version: version) }
            if state.bodies[readers] == nil
                && (state.bodies.count >= maxEntries || state.bytes + body.readableBytes > maxBytes)
            {
                state.bodies.removeAll()
                state.bytes = 0
            }
            state.bytes += body.readableBytes - (state.bodies[readers]?.readableBytes ?? 0)
            state.bodies[readers] = body
        }
    }
}

extension ReaderBodies where Version == UInt64 {
    /// The manifest's `{"tables":{…}` for `readable`, for the current version of the published tables.
    func tables(readable: Set<String>?, of manifest: SyncManifest) async -> ByteBuffer {
        await body(readable: readable, current: manifest.version) {
            let (version, json) = manifest.tablesJSON(readable: readable)
            return (version, ByteBuffer(string: json))
        }
    }
}

/// The bodies the sync routes keep: manifests' table lists by the published tables' version, profiles bundles by the
/// profiles hash. Shared by `SyncController` and `BodyReleaseService`, which empties them when they go unused.
final class SyncBodies: Sendable {
    let manifests = ReaderBodies<UInt64>()
    let profiles = ReaderBodies<String?>()

    /// Empties each cache nobody asked during `idle`; whether any body was dropped.
    @discardableResult
    func release(ifUnusedFor idle: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        let manifests = manifests.release(ifUnusedFor: idle, now: now)
        let profiles = profiles.release(ifUnusedFor: idle, now: now)
        return manifests || profiles
    }
}
