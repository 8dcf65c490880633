import AnalystCore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

struct SignInLinkRouteTests {
    @Test func anAdminsSetupLinkLetsTheUserSetAPasswordOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory, publicURL: "https://analyst.example.com/")
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let adminToken = try await dependencies.signIn.tokens.issue(for: admin, generation: 0)
        let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let (expiredSecret, _) = try await dependencies.stores.links.create(
            userID: ana.id, purpose: .setup, now: Date().addingTimeInterval(-73 * 3600))
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let created = try await client.execute(
                uri: "/api/users/\(ana.id)/setup-link", method: .post,
                headers: [.authorization: "Bearer \(adminToken)"])
            #expect(created.status == .created)
            let body = try jsonObject(created)
            let secret = try #require(body["token"] as? String)
            let link = try #require(body["link"] as? String)
            #expect(link.hasPrefix("https://analyst.example.com/setup-password?email=ana@example.com&token="))
            #expect(link.contains(secret))

            let short = try await client.post(
                "/auth/password/setup", json: #"{"email":"ana@example.com","token":"\#(secret)","password":"short"}"#)
            #expect(short.status == .unprocessableContent)

            let wrongEmail = try await client.post(
                "/auth/password/setup", json: #"{"email":"admin@example.com","token":"\#(secret)","password":"a long password"}"#)
            #expect(wrongEmail.status == .badRequest)
            #expect(try detail(wrongEmail) == "Invalid or expired setup token")

            let expired = try await client.post(
                "/auth/password/setup", json: #"{"email":"ana@example.com","token":"\#(expiredSecret)","password":"a long password"}"#)
            #expect(expired.status == .badRequest)

            let set = try await client.post(
                "/auth/password/setup", json: #"{"email":"ana@example.com","token":"\#(secret)","password":"a long password"}"#)
            #expect(set.status == .ok)
            #expect(try jsonObject(set)["message"] as? String == "Password set successfully")
            let token = try #require(try jsonObject(set)["access_token"] as? String)
            #expect(try await client.get("/auth/me", bearer: token).status == .ok)

            let reused = try await client.post(
                "/auth/password/setup", json: #"{"email":"ana@example.com","token":"\#(secret)","password":"another password"}"#)
            #expect(reused.status == .badRequest, "a link works once")

            let login = try await client.post("/auth/token", json: #"{"email":"ana@example.com","password":"a long password"}"#)
            #expect(login.status == .ok)

            let stored = try await dependencies.stores.system.withConnection {
                try $0.query("SELECT count(*) FROM auth_links WHERE token_hash = ?", [.varchar(secret)]).scalar()
            }
            #expect(stored == .bigint(0), "only hashes of link secrets are stored")
        }
    }

    @Test func sendLinkIsRateLimitedPerEmailWhetherOrNotItExists() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        _ = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            for email in ["ana@example.com", "nobody@example.com"] {
                for attempt in 1...5 {
                    let response = try await client.post("/auth/email/send-link", json: #"{"email":"\#(email)"}"#)
                    #expect(response.status == .ok, "\(email) attempt \(attempt)")
                }
                let refused = try await client.post("/auth/email/send-link", json: #"{"email":"\#(email.uppercased())"}"#)
                #expect(refused.status == .tooManyRequests)
                #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
                #expect(try detail(refused)?.hasPrefix("Too many sign-in links requested; try again in ") == true)
            }
            let other = try await client.post("/auth/email/send-link", json: #"{"email":"someone@example.com"}"#)
            #expect(other.status == .ok, "another email still gets its links")
        }
        await dependencies.close()
    }

    @Test func concurrentRedemptionsOfOneLinkSucceedOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let (secret, _) = try await dependencies.stores.links.create(userID: ana.id, purpose: .login)
        let links = dependencies.stores.links
        let results = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask { try? await links.redeem(secret: secret, purpose: .login) }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(results.compactMap { $0 } == [ana.id])
        #expect(try await links.redeem(secret: secret, purpose: .setup) == nil, "a login link is not a setup link")
        await dependencies.close()
    }
}
