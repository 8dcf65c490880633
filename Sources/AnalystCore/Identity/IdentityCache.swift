import Foundation
import Synchronization

/// Recent successful token checks, so an authenticated request does not cost three database queries.
///
/// Correctness rests on two rules. Every change to users, passwords, revocations or personal access tokens made
/// through `UserRepository` or `PersonalAccessTokens` empties the cache (`invalidateAll`), and a check that read the
/// database while such a change happened is not stored (the epoch moved). Entries also expire after `lifetime`
/// (1 s), which bounds how long a change made outside this process (by hand, in SQL) goes unseen. Only successes are
/// cached: a refused token is always checked again.
public final class IdentityCache: Sendable {
    /// What a check found: the user a JWT belongs to, or the owner of a personal access token.
    public enum Entry: Sendable, Equatable {
        case user(User)
        case owner(userID: String)
    }

    private struct Stored {
        var entry: Entry
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Stored] = [:]
        var epoch: UInt64 = 0
    }

    public let lifetime: Duration
    private let maxEntries: Int
    private let state = Mutex(State())

    public init(lifetime: Duration = .seconds(1), maxEntries: Int = 10_000) {
        self.lifetime = lifetime
        self.maxEntries = maxEntries
    }

    /// The unexpired entry for `key`.
    public func lookup(_ key: String) -> Entry? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let found = state.entries[key] else { return nil }
            guard found.expires > now else {
                state.entries[key] = nil
                return nil
            }
            return found.entry
        }
    }

    /// The current epoch: read it before querying the database, and pass it to `store`.
    public var epoch: UInt64 { state.withLock { $0.epoch } }

    /// Keeps `entry` for `key` (until `lifetime` passes, or `notAfter` if sooner) unless the identity data changed
    /// since `epoch`.
    public func store(_ entry: Entry, for key: String, readAt epoch: UInt64, notAfter: Date? = nil) {
        var expires = ContinuousClock.now + lifetime
        if let notAfter {
            let left = notAfter.timeIntervalSinceNow
            guard left > 0 else { return }
            expires = min(expires, .now + .milliseconds(Int64(min(left, 86_400) * 1000)))
        }
        state.withLock { state in
            guard state.epoch == epoch else { return }
            if state.entries.count >= maxEntries { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = Stored(entry: entry, expires: expires)
        }
    }

    /// Forgets everything: identity data changed.
    public func invalidateAll() {
        state.withLock { state in
            state.epoch &+= 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }
}
