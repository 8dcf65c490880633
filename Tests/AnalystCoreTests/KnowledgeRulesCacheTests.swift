import DuckDB
import Foundation
import TestSupport
import Testing

@testable import AnalystCore

/// The rules a manifest names are read once per audience and never outlive a change to the knowledge tables.
struct KnowledgeRulesCacheTests {
    @Test func rulesFollowEveryWriteAtOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try SystemDatabase(path: directory.appending("system.duckdb"), logger: LogCapture().logger())
        let store = KnowledgeStore(system: system)
        let users = UserRepository(system: system)
        let admin = try await users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let analyst = try await users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)

        #expect(try await store.rules(for: analyst).hash == nil)
        let id = try await store.create(
            title: "Revenue excludes refunds", content: "Always subtract refunds.", category: "finance", tags: [],
            audience: .everyone, by: analyst)
        #expect(try await store.rules(for: analyst).hash == nil, "a pending item is no rule")
        _ = try await store.apply(.approve, to: [id], reason: nil, audience: nil, by: admin)
        let approved = try await store.rules(for: analyst)
        #expect(approved.hash != nil, "the approval is seen at once")
        #expect(system.rulesCache.count == 1)
        #expect(try await store.rules(for: analyst) == approved, "read again from the cache")
        _ = try await store.edit(id, title: nil, content: "Always subtract refunds and chargebacks.", category: nil, tags: nil, by: admin)
        let edited = try await store.rules(for: analyst)
        #expect(edited.hash != approved.hash && edited.hash != nil)
        _ = try await store.apply(.revoke, to: [id], reason: "outdated", audience: nil, by: admin)
        #expect(try await store.rules(for: analyst).hash == nil)
        await system.close()
    }

    @Test func theCacheIsBounded() {
        let cache = KnowledgeRulesCache(maxEntries: 3)
        for index in 0..<10 {
            cache.store(KnowledgeRules(items: []), for: "analyst user\(index)@example.com", readAt: cache.generation)
            #expect(cache.count <= 3)
        }
        let generation = cache.generation
        cache.invalidateAll()
        cache.store(KnowledgeRules(items: []), for: "late", readAt: generation)
        #expect(cache.count == 0, "rules read before a write are not kept")
    }
}
