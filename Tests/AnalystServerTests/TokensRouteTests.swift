import AnalystCore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

struct TokensRouteTests {
    @Test func personalAccessTokensWorkAsBearerAndCanBeRevoked() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let jwt = try await dependencies.signIn.tokens.issue(for: ana, generation: 0)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let created = try await client.post(
                "/api/tokens", json: #"{"name":"laptop","expires_in_days":30}"#, headers: [.authorization: "Bearer \(jwt)"])
            #expect(created.status == .created)
            let body = try jsonObject(created)
            let secret = try #require(body["token"] as? String)
            #expect(secret.hasPrefix("da_pat_"))
            #expect((body["prefix"] as? String).map { secret.hasPrefix($0) } == true)
            #expect(body["expires_at"] is String)
            let id = try #require(body["id"] as? String)

            let me = try await client.get("/auth/me", bearer: secret)
            #expect(me.status == .ok)
            #expect(try jsonObject(me)["email"] as? String == "ana@example.com")

            let list = try await client.get("/api/tokens", bearer: secret)
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]])
            #expect(listed.count == 1)
            #expect(listed.first?["token"] == nil, "the secret is shown only once")
            #expect(listed.first?["name"] as? String == "laptop")

            let stored = try await dependencies.stores.system.withConnection {
                try $0.query("SELECT token_hash FROM personal_access_tokens").scalar()
            }
            #expect(stored != .varchar(secret), "only a hash is stored")

            let wrongOwner = try await dependencies.stores.users.create(
                email: "bob@example.com", name: nil, role: .admin, passwordHash: nil)
            let bobJWT = try await dependencies.signIn.tokens.issue(for: wrongOwner, generation: 0)
            let notTheirs = try await client.execute(
                uri: "/api/tokens/\(id)", method: .delete, headers: [.authorization: "Bearer \(bobJWT)"])
            #expect(notTheirs.status == .notFound)

            let deleted = try await client.execute(uri: "/api/tokens/\(id)", method: .delete, headers: [.authorization: "Bearer \(jwt)"])
            #expect(deleted.status == .noContent)
            let revoked = try await client.get("/auth/me", bearer: secret)
            #expect(revoked.status == .unauthorized)
            #expect(try detail(revoked) == "Invalid or expired token")

            let invalid = try await client.post(
                "/api/tokens", json: #"{"name":"","expires_in_days":0}"#, headers: [.authorization: "Bearer \(jwt)"])
            #expect(invalid.status == .unprocessableContent)
        }
        await dependencies.close()
    }

    @Test func logoutWithAPersonalAccessTokenRevokesIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let (_, secret) = try await dependencies.stores.accessTokens.create(userID: ana.id, name: "cli", expiresInDays: nil)
        let (_, expiredSecret) = try await dependencies.stores.accessTokens.create(
            userID: ana.id, name: "old", expiresInDays: 1, now: Date().addingTimeInterval(-3 * 86_400))
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            #expect(try await client.get("/auth/me", bearer: expiredSecret).status == .unauthorized)
            #expect(try await client.get("/auth/me", bearer: secret).status == .ok)
            let logout = try await client.execute(uri: "/auth/logout", method: .post, headers: [.authorization: "Bearer \(secret)"])
            #expect(logout.status == .ok)
            #expect(try await client.get("/auth/me", bearer: secret).status == .unauthorized)
        }
        await dependencies.close()
    }

    @Test func repeatedLoginFailuresAreRateLimited() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        _ = try await dependencies.stores.users.bootstrapAdmin(
            email: "admin@example.com", name: nil, passwordHash: try await dependencies.signIn.passwords.hash("correct horse battery"))
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            for _ in 0..<10 {
                let failure = try await client.post("/auth/token", json: #"{"email":"admin@example.com","password":"wrong guess!"}"#)
                #expect(failure.status == .unauthorized)
            }
            let limited = try await client.post("/auth/token", json: #"{"email":"admin@example.com","password":"correct horse battery"}"#)
            #expect(limited.status == .tooManyRequests)
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter > 0 && retryAfter <= 900)
            #expect(try detail(limited)?.contains("Too many failed login attempts") == true)
        }
        await dependencies.close()
    }

    @Test func theLimiterForgetsOldFailures() async {
        let limiter = RateLimiter(limit: 2, window: .seconds(60))
        let start = ContinuousClock.now
        await limiter.record(keys: ["email:a"], now: start)
        await limiter.record(keys: ["email:a"], now: start + .seconds(10))
        #expect(await limiter.retryAfter(keys: ["email:a"], now: start + .seconds(20)) == .seconds(40))
        #expect(await limiter.retryAfter(keys: ["email:b"], now: start + .seconds(20)) == nil)
        #expect(await limiter.retryAfter(keys: ["email:a"], now: start + .seconds(61)) == nil)
    }
}
