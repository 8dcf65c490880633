import Foundation

/// Sign-ins that went to the provider and have not come back yet, keyed by their `state`. Each holds the nonce and
/// PKCE verifier the callback needs; an entry is used once and expires after `lifetime`. The number of entries is
/// bounded so that a flood of `/auth/google/login` requests cannot exhaust memory (the oldest are dropped).
actor PendingSignIns {
    struct Entry: Sendable {
        var nonce: String
        var codeVerifier: String
        var redirectURI: String
        var createdAt: ContinuousClock.Instant
    }

    let lifetime: Duration
    let capacity: Int
    private var entries: [String: Entry] = [:]
    /// States in creation order, for expiry and eviction.
    private var order: [String] = []

    init(lifetime: Duration = .seconds(600), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func insert(state: String, _ entry: Entry) {
        prune(now: entry.createdAt)
        if order.count >= capacity, let oldest = order.first {
            order.removeFirst()
            entries[oldest] = nil
        }
        entries[state] = entry
        order.append(state)
    }

    /// The entry for `state` if it exists and has not expired; it is removed either way.
    func take(state: String, now: ContinuousClock.Instant = .now) -> Entry? {
        guard let entry = entries.removeValue(forKey: state) else { return nil }
        order.removeAll { $0 == state }
        return entry.createdAt.duration(to: now) < lifetime ? entry : nil
    }

    private func prune(now: ContinuousClock.Instant) {
        let expired = order.prefix { key in entries[key].map { $0.createdAt.duration(to: now) >= lifetime } ?? true }
        for key in expired { entries[key] = nil }
        order.removeFirst(expired.count)
    }
}
