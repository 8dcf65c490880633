import AnalystCore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

/// Decodes a JSON object body.
func jsonObject(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
}

func detail(_ response: TestResponse) throws -> String? {
    try jsonObject(response)["detail"] as? String
}

extension TestClientProtocol {
    /// POSTs a JSON body.
    func post(_ uri: String, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func get(_ uri: String, bearer token: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
    }
}

struct AuthRouteTests {
    @Test func bootstrapCreatesTheFirstAdminOnceAndLoginWorks() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let first = try await client.post(
                "/auth/bootstrap", json: #"{"email":"  Admin@Example.COM ","password":"correct horse battery"}"#)
            #expect(first.status == .ok)
            let body = try jsonObject(first)
            #expect(body["email"] as? String == "admin@example.com")
            #expect(body["role"] as? String == "admin")
            #expect(body["token_type"] as? String == "bearer")
            let token = try #require(body["access_token"] as? String)

            let me = try await client.get("/auth/me", bearer: token)
            #expect(me.status == .ok)
            let meBody = try jsonObject(me)
            #expect(meBody["email"] as? String == "admin@example.com")
            #expect(meBody["name"] as? String == "admin")
            #expect(meBody["id"] as? String == body["user_id"] as? String)

            let second = try await client.post("/auth/bootstrap", json: #"{"email":"other@example.com"}"#)
            #expect(second.status == .forbidden)
            #expect(try detail(second) == "Bootstrap disabled — 1 users already exist. Use /auth/token to login.")

            let login = try await client.post(
                "/auth/token", json: #"{"email":"ADMIN@example.com","password":"correct horse battery"}"#)
            #expect(login.status == .ok)
            #expect(try jsonObject(login)["user_id"] as? String == body["user_id"] as? String)

            let passwordLogin = try await client.post(
                "/auth/password/login", json: #"{"email":"admin@example.com","password":"correct horse battery"}"#)
            #expect(passwordLogin.status == .ok)
            #expect(try jsonObject(passwordLogin)["user_id"] == nil)
            #expect(try jsonObject(passwordLogin)["access_token"] is String)
        }
        await dependencies.close()
    }

    @Test func wrongPasswordUnknownUserAndNoPasswordAllAnswerTheSame() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        _ = try await dependencies.stores.users.bootstrapAdmin(
            email: "admin@example.com", name: nil, passwordHash: try await dependencies.signIn.passwords.hash("correct horse battery"))
        _ = try await dependencies.stores.users.create(email: "nopass@example.com", name: nil, role: .analyst, passwordHash: nil)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            for json in [
                #"{"email":"admin@example.com","password":"wrong password!"}"#,
                #"{"email":"nobody@example.com","password":"correct horse battery"}"#,
                #"{"email":"nopass@example.com","password":""}"#,
                #"{"email":"nopass@example.com","password":"anything at all"}"#,
            ] {
                let response = try await client.post("/auth/token", json: json)
                #expect(response.status == .unauthorized)
                #expect(try detail(response) == "Invalid email or password")
            }
            let missing = try await client.post("/auth/token", json: #"{"email":"admin@example.com"}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(try detail(missing) == #"field "password" is required"#)
        }
        await dependencies.close()
    }

    @Test func bootstrapValidatesItsInput() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let short = try await client.post("/auth/bootstrap", json: #"{"email":"a@example.com","password":"short"}"#)
            #expect(short.status == .unprocessableContent)
            #expect(try detail(short) == "the password must be at least 10 characters long")
            let badEmail = try await client.post("/auth/bootstrap", json: #"{"email":"not-an-email"}"#)
            #expect(badEmail.status == .unprocessableContent)
            let notJSON = try await client.post("/auth/bootstrap", json: "email=a@example.com")
            #expect(notJSON.status == .unprocessableContent)
            #expect(try await dependencies.stores.users.count() == 0, "nothing was created by refused requests")
        }
        await dependencies.close()
    }

    @Test func racingBootstrapsCreateExactlyOneAdmin() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<6 {
                group.addTask {
                    (try? await dependencies.stores.users.bootstrapAdmin(email: "admin\(index)@example.com", name: nil, passwordHash: nil))
                        != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await dependencies.stores.users.count() == 1)
        await dependencies.close()
    }

    @Test func tokenFailuresAnswerLikeTheReference() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let token = try await dependencies.signIn.tokens.issue(for: admin, generation: 0)
        let expired = try await dependencies.signIn.tokens.issue(for: admin, generation: 0, now: Date().addingTimeInterval(-7_200))
        let otherServer = await TokenService(secret: "another-secret-0123456789-0123456789", lifetime: .seconds(3600))
        let foreign = try await otherServer.issue(for: admin, generation: 0)
        let parts = token.split(separator: ".").map(String.init)
        let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let algNone = header + "." + parts[1] + "."
        var tamperedPayload = Array(parts[1])
        tamperedPayload[5] = tamperedPayload[5] == "A" ? "B" : "A"
        let tampered = parts[0] + "." + String(tamperedPayload) + "." + parts[2]

        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let none = try await client.execute(uri: "/auth/me", method: .get)
            #expect(none.status == .unauthorized)
            #expect(try detail(none) == "Missing or invalid Authorization header")
            for header in ["Token \(token)", "Bearer ", "bearer \(token)"] {
                let response = try await client.execute(uri: "/auth/me", method: .get, headers: [.authorization: header])
                #expect(response.status == .unauthorized)
                #expect(try detail(response) == "Missing or invalid Authorization header")
            }
            for bad in ["garbage", expired, foreign, algNone, tampered] {
                let response = try await client.get("/auth/me", bearer: bad)
                #expect(response.status == .unauthorized)
                #expect(try detail(response) == "Invalid or expired token")
            }
            let cookie = try await client.execute(uri: "/auth/me", method: .get, headers: [.cookie: "access_token=\(token)"])
            #expect(cookie.status == .ok)
            #expect(try await client.get("/auth/me", bearer: token).status == .ok)

            // A change behind the repositories' back is seen once the identity cache forgets (at most 1 s).
            try await dependencies.stores.system.withConnection { try $0.run("DELETE FROM users") }
            dependencies.stores.system.identityCache.invalidateAll()
            let gone = try await client.get("/auth/me", bearer: token)
            #expect(gone.status == .unauthorized)
            #expect(try detail(gone) == "User not found")
        }
        await dependencies.close()
    }

    @Test func theRoleComesFromTheDatabaseNotTheToken() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let viewer = try await dependencies.stores.users.create(email: "viewer@example.com", name: nil, role: .viewer, passwordHash: nil)
        var claimingAdmin = viewer
        claimingAdmin.role = .admin
        let token = try await dependencies.signIn.tokens.issue(for: claimingAdmin, generation: 0)

        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.group("admin-only")
            .add(
                middleware: AuthenticationMiddleware(
                    tokens: dependencies.signIn.tokens, users: dependencies.stores.users, accessTokens: dependencies.stores.accessTokens)
            )
            .add(middleware: RoleMiddleware(minimum: .admin))
            .get { _, _ in "secret" }
        try await Application(router: router).test(.router) { client in
            let response = try await client.get("/admin-only", bearer: token)
            #expect(response.status == .forbidden)
            #expect(try detail(response) == "Requires role admin or higher")
        }
        try await dependencies.stores.system.withConnection { try $0.run("UPDATE users SET role = 'admin'") }
        dependencies.stores.system.identityCache.invalidateAll()
        try await Application(router: router).test(.router) { client in
            let response = try await client.get("/admin-only", bearer: token)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "secret")
        }
        await dependencies.close()
    }
}

struct CSRFTests {
    @Test func cookieSessionsNeedASameOriginForStateChanges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let token = try await dependencies.signIn.tokens.issue(for: admin, generation: 0)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let cookie = "access_token=\(token)"
            let ownOrigin = "http://localhost"  // the test client's Host is "localhost"
            let read = try await client.execute(uri: "/auth/me", method: .get, headers: [.cookie: cookie])
            #expect(read.status == .ok, "reads need no origin")

            let body = ByteBuffer(string: #"{"email":"x@example.com"}"#)
            let crossSite = try await client.execute(
                uri: "/api/users", method: .post, headers: [.cookie: cookie, .origin: "https://evil.example.net"], body: body)
            #expect(crossSite.status == .forbidden)
            #expect(try detail(crossSite)?.contains("Cross-site request refused") == true)

            let noOrigin = try await client.execute(uri: "/api/users", method: .post, headers: [.cookie: cookie], body: body)
            #expect(noOrigin.status == .forbidden)

            let otherPort = try await client.execute(
                uri: "/api/users", method: .post, headers: [.cookie: cookie, .origin: "http://localhost:9999"], body: body)
            #expect(otherPort.status == .forbidden)

            let sameSite = try await client.execute(
                uri: "/api/users", method: .post, headers: [.cookie: cookie, .origin: ownOrigin], body: body)
            #expect(sameSite.status == .created)

            let bearer = try await client.execute(
                uri: "/api/users", method: .post, headers: [.authorization: "Bearer \(token)"],
                body: ByteBuffer(string: #"{"email":"y@example.com"}"#))
            #expect(bearer.status == .created, "bearer-token API calls need no CSRF defence")
        }
    }
}
