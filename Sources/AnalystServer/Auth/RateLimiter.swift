import Foundation

/// Counts events (failed logins, requested sign-in links) per key, such as an email or a client address; past
/// `limit` events within `window`, further attempts are refused (429 with `Retry-After`) until the oldest event
/// ages out.
actor RateLimiter {
    let limit: Int
    let window: Duration
    private var failures: [String: [ContinuousClock.Instant]] = [:]

    init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = window
    }

    /// How long the caller must wait, if any of `keys` is over the limit.
    func retryAfter(keys: [String], now: ContinuousClock.Instant = .now) -> Duration? {
        var wait: Duration?
        for key in keys {
            let recent = prune(key, now: now)
            if recent.count >= limit, let oldest = recent.first {
                let remaining = oldest + window - now
                wait = max(wait ?? .zero, remaining)
            }
        }
        return wait
    }

    /// Counts one event for each key.
    func record(keys: [String], now: ContinuousClock.Instant = .now) {
        for key in keys {
            failures[key, default: []].append(now)
        }
    }

    /// Forgets a key's events (an email's failures after a successful login; the address keeps its count).
    func reset(key: String) {
        failures[key] = nil
    }

    private func prune(_ key: String, now: ContinuousClock.Instant) -> [ContinuousClock.Instant] {
        let recent = (failures[key] ?? []).filter { now - $0 < window }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }
}
