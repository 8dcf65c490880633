import AnalystCore
import NIOCore
import Synchronization

/// The `{"tables":{…}` part of `GET /api/sync/manifest` as bytes, by the set of tables a reader may read, for the
/// current version of the published tables: most requests send a stored buffer (shared, not copied) followed by
/// their own small tail (asset hashes, server time).
///
/// Bounded: at most `maxEntries` bodies and `maxBytes` in all (a full cache is emptied before the next one is kept);
/// a new version of the published tables empties it. Readers with the same access share one body.
final class ManifestBodies: Sendable {
    /// Who a body is for: every table (admins) or exactly these tables.
    enum Readers: Hashable, Sendable {
        case everyone
        case only(Set<String>)
    }

    private struct State {
        var version: UInt64 = 0
        var bodies: [Readers: ByteBuffer] = [:]
        var bytes = 0
    }

    let maxEntries: Int
    let maxBytes: Int
    private let state = Mutex(State())

    init(maxEntries: Int = 64, maxBytes: Int = 64 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    /// The stored body for `readable` (`nil`: every table) if it was rendered from the current version of `manifest`,
    /// else a new one, kept for the next request.
    func tables(readable: Set<String>?, of manifest: SyncManifest) -> ByteBuffer {
        let readers = readable.map(Readers.only) ?? .everyone
        let current = manifest.version
        if let stored = state.withLock({ $0.version == current ? $0.bodies[readers] : nil }) {
            return stored
        }
        let (version, json) = manifest.tablesJSON(readable: readable)
        let body = ByteBuffer(string: json)
        keep(body, for: readers, version: version)
        return body
    }

    /// How many bodies and bytes are kept (for tests and diagnostics).
    var stored: (entries: Int, bytes: Int) { state.withLock { ($0.bodies.count, $0.bytes) } }

    private func keep(_ body: ByteBuffer, for readers: Readers, version: UInt64) {
        guard body.readableBytes <= maxBytes else { return }
        state.withLock { state in
            if version != state.version {
                // Only a newer version replaces what is kept; a body rendered from an older one is not kept.
                guard version > state.version else { return }
                state = State(version: version)
            }
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
