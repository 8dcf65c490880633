import Synchronization

/// The corporate-memory rules by audience (email and role), so `GET /api/sync/manifest` does not query the knowledge
/// tables on every call.
///
/// Every write through `KnowledgeStore` empties it (`invalidateAll`, after the write), and rules read while a write
/// happened are not kept (the generation moved). At most `maxEntries` audiences are kept; a full cache is emptied.
public final class KnowledgeRulesCache: Sendable {
    private struct State {
        var rules: [String: KnowledgeRules] = [:]
        var generation: UInt64 = 0
    }

    let maxEntries: Int
    private let state = Mutex(State())

    public init(maxEntries: Int = 1_000) {
        self.maxEntries = maxEntries
    }

    /// The current generation: read it before querying, pass it to `store`.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// How many audiences are kept.
    public var count: Int { state.withLock { $0.rules.count } }

    func lookup(_ audience: String) -> KnowledgeRules? {
        state.withLock { $0.rules[audience] }
    }

    /// Keeps `rules` for `audience` unless a write happened since `generation` was read.
    func store(_ rules: KnowledgeRules, for audience: String, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.rules[audience] == nil && state.rules.count >= maxEntries { state.rules.removeAll(keepingCapacity: true) }
            state.rules[audience] = rules
        }
    }

    /// Forgets everything: an item, a vote or a governance decision changed.
    public func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.rules.removeAll(keepingCapacity: true)
        }
    }
}
