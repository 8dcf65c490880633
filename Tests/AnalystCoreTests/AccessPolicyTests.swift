import AnalystCore
import DuckDB
import Foundation
import TestSupport
import Testing

struct AccessPolicyTests {
    @Test func everyRuleInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try SystemDatabase(path: directory.appending("system.duckdb"), logger: LogCapture().logger())
        let users = UserRepository(system: system)
        let admin = try await users.create(email: "admin@example.com", name: nil, role: .admin, passwordHash: nil)
        let ana = try await users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let km = try await users.create(email: "km@example.com", name: nil, role: .kmAdmin, passwordHash: nil)
        try await system.withConnection { connection in
            try connection.execute(
                """
                INSERT INTO table_registry (id, name, bucket, is_public) VALUES
                    ('orders', 'orders', 'in.c-sales', true),
                    ('salaries', 'salaries', 'in.c-hr', false),
                    ('payroll', 'payroll', 'in.c-hr', false),
                    ('budget', 'budget', 'in.c-finance', false),
                    ('plans', 'plans', NULL, false)
                """)
        }
        let permissions = Permissions(system: system)
        try await permissions.grant(userID: ana.id, dataset: "salaries", access: .read)
        try await permissions.grant(userID: ana.id, dataset: "in.c-finance.*", access: .read)
        try await permissions.grant(userID: ana.id, dataset: "in.c-hr.*", access: .read)
        try await permissions.grant(userID: ana.id, dataset: "payroll", access: .none)
        try await permissions.grant(userID: ana.id, dataset: "orders", access: .none)
        try await permissions.grant(userID: ana.id, dataset: "unregistered", access: .read)
        let policy = AccessPolicy(system: system)

        #expect(try await policy.canAccessTable(admin, "plans"))
        #expect(try await policy.canAccessTable(admin, "unregistered"), "admins see everything")
        #expect(try await policy.canAccessTable(ana, "salaries"), "explicit read")
        #expect(try await policy.canAccessTable(ana, "budget"), "bucket wildcard")
        #expect(!(try await policy.canAccessTable(ana, "payroll")), "explicit none beats the bucket wildcard")
        #expect(!(try await policy.canAccessTable(ana, "orders")), "explicit none beats is_public")
        #expect(!(try await policy.canAccessTable(ana, "plans")), "private, no grant")
        #expect(!(try await policy.canAccessTable(ana, "unregistered")), "unregistered tables are for admins only")
        #expect(try await policy.canAccessTable(km, "orders"), "public")
        #expect(!(try await policy.canAccessTable(km, "salaries")), "km_admin is not admin")

        #expect(try await policy.accessibleTables(for: ana) == ["salaries", "budget"])
        #expect(try await policy.accessibleTables(for: km) == ["orders"])
        #expect(try await policy.accessibleTables(for: admin) == nil)
        await system.close()
    }
}
