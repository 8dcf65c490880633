import AnalystCore
import DuckDB
import Foundation
import TestSupport
import Testing

struct AccessPolicyTests {
    /// A system database in `directory` with an admin and an analyst (Ana).
    static func adminAndAnalyst(in directory: TemporaryDirectory) async throws
        -> (system: SystemDatabase, users: UserRepository, admin: User, ana: User)
    {
        let system = try SystemDatabase(path: directory.appending("system.duckdb"), logger: LogCapture().logger())
        let users = UserRepository(system: system)
        let admin = try await users.create(email: "admin@example.com", name: nil, role: .admin, passwordHash: nil)
        let ana = try await users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        return (system, users, admin, ana)
    }

    @Test func everyRuleInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (system, users, admin, ana) = try await Self.adminAndAnalyst(in: directory)
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

    /// Concurrent reviews of one request: exactly one takes effect, the others are told it is no longer pending
    /// (never a database error); concurrent grants of one dataset all succeed.
    @Test func concurrentReviewsAndGrantsDoNotFail() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (system, _, admin, ana) = try await Self.adminAndAnalyst(in: directory)
        let permissions = Permissions(system: system)
        let request = try await permissions.request(user: ana, tableID: "orders", reason: "reporting")
        let outcomes = await withTaskGroup(of: String.self) { group in
            for index in 0..<12 {
                group.addTask {
                    do {
                        if index.isMultiple(of: 2) {
                            try await permissions.approve(requestID: request.id, reviewer: admin)
                        } else {
                            try await permissions.deny(requestID: request.id, reviewer: admin)
                        }
                        return "reviewed"
                    } catch Permissions.PermissionError.requestNotPending {
                        return "not pending"
                    } catch {
                        return "failed: \(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "reviewed" }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == "not pending" }.count == 11, "\(outcomes)")

        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask { try await permissions.grant(userID: ana.id, dataset: "in.c-hr.*", access: .read) }
            }
            try await group.waitForAll()
        }
        #expect(try await permissions.grants(userID: ana.id).filter { $0.dataset == "in.c-hr.*" }.count == 1)
        await system.close()
    }
}
