import AnalystCore
import Foundation
import TestSupport
import Testing

/// The token-check cache: hits, expiry, invalidation by every identity change, and no stale stores.
struct IdentityCacheTests {
    static let user = User(id: "u1", email: "a@example.com", name: nil, role: .analyst, passwordHash: nil, createdAt: Date())

    @Test func entriesExpireAndChangesInvalidate() async throws {
        let cache = IdentityCache(lifetime: .milliseconds(200))
        cache.store(.user(Self.user), for: "k", readAt: cache.epoch)
        #expect(cache.lookup("k") == .user(Self.user))
        try await Task.sleep(for: .milliseconds(300))
        #expect(cache.lookup("k") == nil, "expired")

        let before = cache.epoch
        cache.store(.owner(userID: "u1"), for: "p", readAt: before)
        cache.invalidateAll()
        #expect(cache.lookup("p") == nil)
        cache.store(.owner(userID: "u1"), for: "p", readAt: before)
        #expect(cache.lookup("p") == nil, "a check that read the database before a change is not kept")

        cache.store(.owner(userID: "u1"), for: "soon", readAt: cache.epoch, notAfter: Date().addingTimeInterval(-1))
        #expect(cache.lookup("soon") == nil, "a token that has expired is not cached")
    }

    @Test func repositoriesForgetOnEveryIdentityChange() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try SystemDatabase(path: directory.appending("system.duckdb"), logger: .init(label: "test"))
        let users = UserRepository(system: system)
        let tokens = PersonalAccessTokens(system: system)
        let admin = try await users.create(email: "admin@example.com", name: nil, role: .admin, passwordHash: nil)
        let ana = try await users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)

        guard case .valid(let first) = try await users.authenticate(userID: ana.id, jti: "j1", generation: 0) else {
            Issue.record("a fresh token is valid")
            return
        }
        #expect(first.id == ana.id && first.role == .analyst)
        guard case .valid(let cached) = try await users.authenticate(userID: ana.id, jti: "j1", generation: 0) else { return }
        #expect(cached == first, "the second check is served from the cache")
        _ = try await users.update(id: ana.id, name: nil, role: .viewer)
        guard case .valid(let changed) = try await users.authenticate(userID: ana.id, jti: "j1", generation: 0) else {
            Issue.record("the token should still be valid")
            return
        }
        #expect(changed.role == .viewer, "a role change is seen at once")

        try await users.revokeToken(jti: "j1", userID: ana.id, expiresAt: Date().addingTimeInterval(60))
        #expect(try await users.authenticate(userID: ana.id, jti: "j1", generation: 0) == .revoked, "logout is seen at once")

        #expect(try await users.authenticate(userID: ana.id, jti: "j2", generation: 0) != .revoked)
        try await users.setPassword(id: ana.id, hash: "x")
        #expect(try await users.authenticate(userID: ana.id, jti: "j2", generation: 0) == .revoked, "a new password ends old tokens")

        let (token, secret) = try await tokens.create(userID: ana.id, name: "cli", expiresInDays: nil)
        #expect(try await tokens.userID(forSecret: secret) == ana.id)
        #expect(try await tokens.delete(id: token.id, userID: ana.id))
        #expect(try await tokens.userID(forSecret: secret) == nil, "a deleted personal access token stops at once")

        let (_, other) = try await tokens.create(userID: ana.id, name: "cli2", expiresInDays: nil)
        #expect(try await tokens.userID(forSecret: other) == ana.id)
        try await users.delete(id: ana.id)
        #expect(try await tokens.userID(forSecret: other) == nil, "deleting the user ends their tokens at once")
        #expect(try await users.authenticate(userID: ana.id, jti: "j3", generation: 1) == .userNotFound)
        _ = admin
        await system.close()
    }
}
