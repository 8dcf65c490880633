import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

struct WebPagesTests {
    @Test func loginExplainsTheLastFailureAndEscapesUnknownCodes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let denied = try await client.execute(uri: "/login?error=domain_not_allowed", method: .get)
            #expect(denied.status == .ok)
            let html = String(buffer: denied.body)
            #expect(html.contains("Accounts from your email domain may not sign in here."))
            #expect(!html.contains("Sign in with Google"), "Google is not configured")
            let hostile = try await client.execute(uri: "/login?error=%3Cscript%3Ealert(1)%3C/script%3E", method: .get)
            #expect(!String(buffer: hostile.body).contains("<script>"))
            #expect(String(buffer: hostile.body).contains("&lt;script&gt;"))
            #expect(hostile.headers[values: try #require(HTTPField.Name("X-Frame-Options"))] == ["DENY"])
        }
        await dependencies.close()
    }

    @Test func homeNeedsASessionAndSignOutEndsIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let ana = try await dependencies.users.create(email: "ana@example.com", name: "Ana", role: .analyst, passwordHash: nil)
        let token = try await dependencies.tokens.issue(for: ana, users: dependencies.users)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let anonymous = try await client.execute(uri: "/", method: .get)
            #expect(anonymous.status == .found)
            #expect(anonymous.headers[.location] == "/login")
            let cookie = "access_token=\(token)"
            let home = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie])
            #expect(home.status == .ok)
            #expect(String(buffer: home.body).contains("ana@example.com"))

            let crossSite = try await client.execute(
                uri: "/logout", method: .post, headers: [.cookie: cookie, .origin: "https://evil.example.net"])
            #expect(crossSite.status == .forbidden)
            #expect(try await client.get("/auth/me", bearer: token).status == .ok, "a cross-site sign-out does nothing")

            let signOut = try await client.execute(
                uri: "/logout", method: .post, headers: [.cookie: cookie, .origin: "http://localhost"])  // the test client's Host
            #expect(signOut.status == .found)
            #expect(signOut.headers[.location] == "/login")
            #expect(signOut.headers[values: .setCookie].contains { $0.hasPrefix("access_token=;") && $0.contains("Max-Age=0") })
            #expect(try await client.get("/auth/me", bearer: token).status == .unauthorized, "the session token is revoked")
        }
        await dependencies.close()
    }

    @Test func anIncompleteSetupLinkSaysSo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let response = try await client.execute(uri: "/setup-password?email=a@example.com", method: .get)
            #expect(response.status == .badRequest)
            #expect(String(buffer: response.body).contains("This link is incomplete."))
        }
        await dependencies.close()
    }
}
