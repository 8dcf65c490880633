import Synchronization

/// What the sandbox learnt from one accepted statement's parse tree: the tables it names and the name of the
/// database it was parsed against. It depends only on the text, DuckDB's parser and the allowed table functions,
/// never on who asks, so it can be reused; who may read those tables is decided again on every call.
struct SandboxAnalysis: Sendable {
    let tableReferences: [ParseTreeWalker.TableReference]
    /// `current_database()` of the connection, lower-cased: a table qualified with it is a table of this database.
    let currentDatabase: String
}

/// A bounded least-recently-used map from (database file, statement text) to the sandbox's analysis, so that a
/// statement run again (a dashboard, a script, an analyst's retry) skips DuckDB's serializer and the tree walk.
///
/// Only accepted statements are stored: a refusal is worked out again each time, with its exact message.
final class SandboxAnalysisCache: Sendable {
    struct Key: Hashable, Sendable {
        /// The database file (`nil` in memory). `current_database()` is named after it, as long as the
        /// connections keep their default database (the query pool's cannot run `USE`).
        let database: String?
        let statement: String
    }

    private struct Entry {
        var analysis: SandboxAnalysis
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var clock: UInt64 = 0
    }

    /// Statements longer than this are not kept, so the cache's memory stays bounded by `capacity` × this.
    static let longestStatement = 16 * 1024

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    func analysis(for key: Key) -> SandboxAnalysis? {
        state.withLock { state in
            guard var entry = state.entries[key] else { return nil }
            state.clock += 1
            entry.lastUse = state.clock
            state.entries[key] = entry
            return entry.analysis
        }
    }

    func store(_ analysis: SandboxAnalysis, for key: Key) {
        guard capacity > 0, key.statement.utf8.count <= Self.longestStatement else { return }
        state.withLock { state in
            if state.entries[key] == nil, state.entries.count >= capacity,
                let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            {
                state.entries[oldest] = nil
            }
            state.clock += 1
            state.entries[key] = Entry(analysis: analysis, lastUse: state.clock)
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
