import AnalystCore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

struct UsersRouteTests {
    /// An admin and a token for them.
    func signedInAdmin(_ dependencies: ServerDependencies) async throws -> (User, String) {
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: "Admin", passwordHash: nil)
        return (admin, try await dependencies.signIn.tokens.issue(for: admin, generation: 0))
    }

    @Test func adminsManageUsers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let (admin, token) = try await signedInAdmin(dependencies)
        let auth: HTTPFields = [.authorization: "Bearer \(token)"]
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let created = try await client.post(
                "/api/users", json: #"{"email":"Ana@Example.com","name":"Ana","role":"analyst"}"#, headers: auth)
            #expect(created.status == .created)
            let ana = try jsonObject(created)
            #expect(ana["email"] as? String == "ana@example.com")
            #expect(ana["role"] as? String == "analyst")
            #expect(ana["password_hash"] == nil)
            let anaID = try #require(ana["id"] as? String)

            let duplicate = try await client.post("/api/users", json: #"{"email":"ana@example.com"}"#, headers: auth)
            #expect(duplicate.status == .conflict)
            #expect(try detail(duplicate) == "User with this email already exists")

            let badRole = try await client.post("/api/users", json: #"{"email":"b@example.com","role":"owner"}"#, headers: auth)
            #expect(badRole.status == .unprocessableContent)
            #expect(try detail(badRole)?.contains("viewer, analyst, km_admin, admin") == true)

            let list = try await client.execute(uri: "/api/users", method: .get, headers: auth)
            let emails = try #require(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]])
                .compactMap { $0["email"] as? String }
            #expect(emails == ["admin@example.com", "ana@example.com"])

            let promoted = try await client.execute(
                uri: "/api/users/\(anaID)", method: .patch, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"role":"km_admin","name":"Ana K"}"#))
            #expect(promoted.status == .ok)
            #expect(try jsonObject(promoted)["role"] as? String == "km_admin")
            #expect(try jsonObject(promoted)["name"] as? String == "Ana K")

            let badPatch = try await client.execute(
                uri: "/api/users/\(anaID)", method: .patch, headers: auth, body: ByteBuffer(string: #"{"role":"root"}"#))
            #expect(badPatch.status == .unprocessableContent)

            let demoteLast = try await client.execute(
                uri: "/api/users/\(admin.id)", method: .patch, headers: auth, body: ByteBuffer(string: #"{"role":"analyst"}"#))
            #expect(demoteLast.status == .conflict)
            let deleteLast = try await client.execute(uri: "/api/users/\(admin.id)", method: .delete, headers: auth)
            #expect(deleteLast.status == .conflict)
            #expect(try detail(deleteLast)?.contains("last admin") == true)

            let deleted = try await client.execute(uri: "/api/users/\(anaID)", method: .delete, headers: auth)
            #expect(deleted.status == .noContent)
            let again = try await client.execute(uri: "/api/users/\(anaID)", method: .delete, headers: auth)
            #expect(again.status == .notFound)
            #expect(try detail(again) == "User not found")
        }
        await dependencies.close()
    }

    @Test func nonAdminsAreRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        _ = try await signedInAdmin(dependencies)
        let viewer = try await dependencies.stores.users.create(email: "v@example.com", name: nil, role: .viewer, passwordHash: nil)
        let kmAdmin = try await dependencies.stores.users.create(email: "k@example.com", name: nil, role: .kmAdmin, passwordHash: nil)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            for user in [viewer, kmAdmin] {
                let token = try await dependencies.signIn.tokens.issue(for: user, generation: 0)
                let response = try await client.get("/api/users", bearer: token)
                #expect(response.status == .forbidden)
                #expect(try detail(response) == "Requires role admin or higher")
                let create = try await client.post(
                    "/api/users", json: #"{"email":"x@example.com"}"#, headers: [.authorization: "Bearer \(token)"])
                #expect(create.status == .forbidden)
            }
            let anonymous = try await client.execute(uri: "/api/users", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(try await dependencies.stores.users.find(email: "x@example.com") == nil)
        }
        await dependencies.close()
    }

    @Test func logoutPasswordChangeAndDeletionRevokeTokens() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let adminToken: String
        do {
            let dependencies = try await makeDependencies(in: directory)
            adminToken = try await signedInAdmin(dependencies).1
            let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
            let anaToken = try await dependencies.signIn.tokens.issue(for: ana, generation: 0)
            try await buildApplication(dependencies: dependencies).test(.router) { client in
                #expect(try await client.get("/auth/me", bearer: adminToken).status == .ok)
                let logout = try await client.execute(uri: "/auth/logout", method: .post, headers: [.authorization: "Bearer \(adminToken)"])
                #expect(logout.status == .ok)
                let after = try await client.get("/auth/me", bearer: adminToken)
                #expect(after.status == .unauthorized)
                #expect(try detail(after) == "Invalid or expired token")

                #expect(try await client.get("/auth/me", bearer: anaToken).status == .ok)
                try await dependencies.stores.users.setPassword(
                    id: ana.id, hash: try await dependencies.signIn.passwords.hash("a new password!"))
                #expect(try await client.get("/auth/me", bearer: anaToken).status == .unauthorized)
            }
            await dependencies.close()
        }

        // Revocation survives a restart.
        let restarted = try await makeDependencies(in: directory)
        try await buildApplication(dependencies: restarted).test(.router) { client in
            #expect(try await client.get("/auth/me", bearer: adminToken).status == .unauthorized)
            let login = try await client.post("/auth/token", json: #"{"email":"ana@example.com","password":"a new password!"}"#)
            #expect(login.status == .ok)
            let fresh = try #require(try jsonObject(login)["access_token"] as? String)
            #expect(try await client.get("/auth/me", bearer: fresh).status == .ok)
        }
        await restarted.close()
    }

    @Test func concurrentDemotionsNeverRemoveEveryAdmin() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let (first, _) = try await signedInAdmin(dependencies)
        let second = try await dependencies.stores.users.create(email: "b@example.com", name: nil, role: .admin, passwordHash: nil)
        let users = dependencies.stores.users
        async let a: Void = { _ = try? await users.update(id: first.id, name: nil, role: .viewer) }()
        async let b: Void = { _ = try? await users.update(id: second.id, name: nil, role: .viewer) }()
        _ = await (a, b)
        let admins = try await users.list().filter { $0.role == .admin }
        #expect(admins.count == 1)
        await dependencies.close()
    }

    @Test func aSeedAdminIsCreatedOnceAtStart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = ServerConfiguration(
            dataDirectory: DataDirectory(directory.appending("data")), port: 0, duckDBThreads: 1,
            auth: AuthSettings(
                jwtSecret: "test-secret-0123456789-0123456789-abcdef", seedAdmin: ("Seed@Example.com", "seed password 123")))
        let first = try await ServerDependencies.open(configuration: configuration, logger: LogCapture().logger())
        let seeded = try #require(try await first.stores.users.find(email: "seed@example.com"))
        #expect(seeded.role == .admin)
        #expect(await first.signIn.passwords.verify("seed password 123", against: seeded.passwordHash ?? ""))
        await first.close()
        let second = try await ServerDependencies.open(configuration: configuration, logger: LogCapture().logger())
        #expect(try await second.stores.users.count() == 1)
        await second.close()
    }
}
