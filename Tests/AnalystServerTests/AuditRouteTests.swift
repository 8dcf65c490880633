import AnalystCore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

struct AuditRouteTests {
    @Test func aBurstOfOneThousandRequestsIsRecordedCompletely() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let token = try await dependencies.signIn.tokens.issue(for: admin, generation: 0)
        try await buildApplication(dependencies: dependencies).test(.live) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for index in 0..<250 {
                            if index % 2 == 0 {
                                let response = try await client.get("/auth/me?token=secret-\(worker)&page=\(index)", bearer: token)
                                #expect(response.status == .ok)
                            } else {
                                let response = try await client.execute(uri: "/api/users/nobody-\(index)", method: .delete)
                                #expect(response.status == .unauthorized)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            _ = try await client.execute(uri: "/api/health", method: .get)
            try await dependencies.background.audit.flush()
            let count = try await dependencies.stores.system.withConnection { try $0.query("SELECT count(*) FROM audit_log").scalar() }
            #expect(count == .bigint(1_000))

            let recent = try await client.get("/api/admin/audit?action=/auth/me&limit=5", bearer: token)
            #expect(recent.status == .ok)
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(buffer: recent.body)) as? [[String: Any]])
            #expect(entries.count == 5)
            let entry = try #require(entries.first)
            #expect(entry["action"] as? String == "GET /auth/me")
            #expect(entry["user_id"] as? String == admin.id)
            #expect(entry["status"] as? Int == 200)
            #expect((entry["request_id"] as? String)?.isEmpty == false)
            #expect((entry["client_address"] as? String)?.isEmpty == false)
            let params = try #require(entry["params"] as? String)
            #expect(params.contains(#""token":"***""#))
            #expect(!params.contains("secret-"))
            #expect(params.contains(#""page":"#))

            let failures = try await client.get("/api/admin/audit?limit=1000&action=DELETE", bearer: token)
            let failed = try #require(try JSONSerialization.jsonObject(with: Data(buffer: failures.body)) as? [[String: Any]])
            #expect(failed.count == 500)
            #expect(failed.allSatisfy { $0["status"] as? Int == 401 && $0["user_id"] is NSNull })
            #expect(failed.first?["resource"] as? String != nil)

            let badLimit = try await client.get("/api/admin/audit?limit=0", bearer: token)
            #expect(badLimit.status == .unprocessableContent)
            let badDate = try await client.get("/api/admin/audit?since=yesterday", bearer: token)
            #expect(badDate.status == .unprocessableContent)
        }
    }

    @Test func loginsAreRecordedWithWhoAndTheBodyWithoutSecrets() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let hash = try await dependencies.signIn.passwords.hashNewPassword("a long password")
        let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .admin, passwordHash: hash)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let failed = try await client.post("/auth/token", json: #"{"email":"ana@example.com","password":"wrong guess"}"#)
            #expect(failed.status == .unauthorized)
            let ok = try await client.post("/auth/token", json: #"{"email":"ana@example.com","password":"a long password"}"#)
            #expect(ok.status == .ok, "the handler still reads the body the audit read")
            try await dependencies.background.audit.flush()
            let rows = try await dependencies.background.audit.search(action: "POST /auth/token", limit: 10)
            #expect(rows.count == 2)
            let failedRow = try #require(rows.first { $0.status == 401 })
            #expect(failedRow.userID == nil)
            #expect(failedRow.params == #"{"email":"ana@example.com","password":"***"}"#)
            let okRow = try #require(rows.first { $0.status == 200 })
            #expect(okRow.userID == ana.id, "a successful login is recorded as the user's")
            #expect(okRow.params?.contains("a long password") == false)
        }
        await dependencies.close()
    }

    /// "Who looked at table X": every call records its concrete path, and what its path parameters named.
    @Test func everyCallRecordsItsPathAndTheResourceItNamed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let token = try await dependencies.signIn.tokens.issue(for: admin, generation: 0)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            _ = try await client.get("/api/catalog/profile/orders", bearer: token)
            _ = try await client.get("/api/catalog/profile/customers", bearer: token)
            _ = try await client.get("/api/catalog/metrics/sales/revenue.yml", bearer: token)
            _ = try await client.get("/api/catalog/tables?x=1", bearer: token)
            try await dependencies.background.audit.flush()

            let response = try await client.get("/api/admin/audit?resource=orders", bearer: token)
            #expect(response.status == .ok)
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries.first?["action"] as? String == "GET /api/catalog/profile/{table}")
            #expect(entries.first?["path"] as? String == "/api/catalog/profile/orders")
            #expect(entries.first?["user_id"] as? String == admin.id)

            let metric = try await dependencies.background.audit.search(path: "/api/catalog/metrics/", limit: 10)
            #expect(metric.map(\.resource) == ["sales/revenue.yml"])
            let list = try await dependencies.background.audit.search(path: "/api/catalog/tables", limit: 10)
            #expect(list.count == 1)
            #expect(list.first?.path == "/api/catalog/tables", "the path is recorded without the query string")
            #expect(list.first?.resource == nil)
            let profiles = try await dependencies.background.audit.search(action: "/api/catalog/profile/", limit: 10)
            #expect(Set(profiles.compactMap(\.resource)) == ["orders", "customers"])
        }
        await dependencies.close()
    }

    @Test func bodyRedactionReachesNestedSecretsAndShortensLongValues() {
        let body = Data(
            #"{"name":"x","config":{"api_token":"t","n":1},"items":[{"secret":"s"}],"long":"\#(String(repeating: "a", count: 600))"}"#.utf8)
        let params = AuditEntry.redactedParams(query: [("page", "2")], jsonBody: body)
        #expect(
            params == #"{"page":"2","config":{"api_token":"***","n":1},"items":[{"secret":"***"}],"long":"<602 bytes>","name":"x"}"#)
        #expect(
            AuditEntry.redactedParams(query: [], jsonBody: Data(#"["orders","customers"]"#.utf8)) == #"{"body":["orders","customers"]}"#)
        #expect(AuditEntry.redactedParams(query: [], jsonBody: Data("not json".utf8)) == nil)
    }

    @Test func redactionHidesSecretLookingKeys() {
        let params = AuditEntry.redactedParams([("password", "hunter2"), ("api_key", "k"), ("q", "select 1")])
        #expect(params == #"{"password":"***","api_key":"***","q":"select 1"}"#)
        #expect(AuditEntry.redactedParams([]) == nil)
    }
}
