import AnalystCore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

struct PermissionsRouteTests {
    @Test func accessRequestsFlowAndGrantsAccess() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let adminToken = try await dependencies.signIn.tokens.issue(for: admin, generation: 0)
        let anaToken = try await dependencies.signIn.tokens.issue(for: ana, generation: 0)
        try await dependencies.stores.system.withConnection {
            try $0.execute("INSERT INTO table_registry (id, name, is_public) VALUES ('salaries', 'salaries', false)")
        }
        #expect(!(try await dependencies.stores.accessPolicy.canAccessTable(ana, "salaries")))

        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let asAna: HTTPFields = [.authorization: "Bearer \(anaToken)"]
            let asAdmin: HTTPFields = [.authorization: "Bearer \(adminToken)"]
            let created = try await client.post(
                "/api/access-requests", json: #"{"table_id":"salaries","reason":"Q3 report"}"#, headers: asAna)
            #expect(created.status == .created)
            let requestID = try #require(try jsonObject(created)["id"] as? String)
            #expect(try jsonObject(created)["status"] as? String == "pending")

            let duplicate = try await client.post("/api/access-requests", json: #"{"table_id":"salaries"}"#, headers: asAna)
            #expect(duplicate.status == .conflict)
            #expect(try detail(duplicate) == "You already have a pending request for this table")

            let notAdmin = try await client.execute(uri: "/api/access-requests/pending", method: .get, headers: asAna)
            #expect(notAdmin.status == .forbidden)
            let sneaky = try await client.execute(uri: "/api/access-requests/\(requestID)/approve", method: .post, headers: asAna)
            #expect(sneaky.status == .forbidden)

            let pending = try await client.execute(uri: "/api/access-requests/pending", method: .get, headers: asAdmin)
            #expect(try jsonObject(pending)["count"] as? Int == 1)

            let approved = try await client.execute(uri: "/api/access-requests/\(requestID)/approve", method: .post, headers: asAdmin)
            #expect(approved.status == .ok)
            #expect(try jsonObject(approved)["status"] as? String == "approved")
            let again = try await client.execute(uri: "/api/access-requests/\(requestID)/deny", method: .post, headers: asAdmin)
            #expect(again.status == .notFound)
            #expect(try detail(again) == "Request not found or already processed")

            let mine = try await client.execute(uri: "/api/access-requests/my", method: .get, headers: asAna)
            let requests = try #require(try jsonObject(mine)["requests"] as? [[String: Any]])
            #expect(requests.first?["status"] as? String == "approved")
            #expect(requests.first?["reviewed_by"] as? String == "admin@example.com")
            #expect(try await dependencies.stores.accessPolicy.canAccessTable(ana, "salaries"))

            // Admin grants and revokes directly.
            let grant = try await client.post(
                "/api/admin/permissions", json: #"{"user_id":"\#(ana.id)","dataset":"in.c-hr.*"}"#, headers: asAdmin)
            #expect(grant.status == .created)
            #expect(try jsonObject(grant)["access"] as? String == "read")
            let badAccess = try await client.post(
                "/api/admin/permissions", json: #"{"user_id":"\#(ana.id)","dataset":"x","access":"write"}"#, headers: asAdmin)
            #expect(badAccess.status == .unprocessableContent)
            let unknownUser = try await client.post(
                "/api/admin/permissions", json: #"{"user_id":"nobody","dataset":"x"}"#, headers: asAdmin)
            #expect(unknownUser.status == .notFound)

            let listed = try await client.execute(uri: "/api/admin/permissions/\(ana.id)", method: .get, headers: asAdmin)
            let grants = try #require(try jsonObject(listed)["permissions"] as? [[String: Any]])
            #expect(grants.compactMap { $0["dataset"] as? String } == ["in.c-hr.*", "salaries"])

            let revoked = try await client.execute(
                uri: "/api/admin/permissions", method: .delete, headers: asAdmin,
                body: ByteBuffer(string: #"{"user_id":"\#(ana.id)","dataset":"salaries"}"#))
            #expect(try jsonObject(revoked)["revoked"] as? Bool == true)
            #expect(!(try await dependencies.stores.accessPolicy.canAccessTable(ana, "salaries")))
        }
    }
}
