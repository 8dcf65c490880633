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
        let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: "Ana", role: .analyst, passwordHash: nil)
        let token = try await dependencies.signIn.tokens.issue(for: ana, users: dependencies.stores.users)
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

    @Test func everyPageComesFromItsTemplateWithTheLayoutTheHeadersAndEscapedValues() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let cy = try await dependencies.stores.users.create(email: "cy@example.com", name: nil, role: .analyst, passwordHash: nil)
        let (secret, _) = try await dependencies.stores.links.create(userID: cy.id, purpose: .setup)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            func expectPage(_ response: TestResponse, _ status: HTTPResponse.Status, title: String, _ texts: [String]) throws {
                #expect(response.status == status)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(
                    response.headers[.contentSecurityPolicy]
                        == "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[values: try #require(HTTPField.Name("X-Frame-Options"))] == ["DENY"])
                #expect(response.headers[values: try #require(HTTPField.Name("Referrer-Policy"))] == ["no-referrer"])
                let html = String(buffer: response.body)
                #expect(html.hasPrefix("<!doctype html>"), "the layout wraps \(title)")
                #expect(html.contains("<title>\(title) · AI Data Analyst</title>"))
                #expect(html.contains("<h1>\(title)</h1>"))
                #expect(html.contains("<style>") && !html.contains("<script"))
                for text in texts { #expect(html.contains(text), "\(title): \(text)") }
            }
            func post(_ fields: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/setup-password", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: fields))
            }
            // email `<b>&"'@example.com`, token `t&k"n<`: shown escaped, and the token rides along in a hidden field.
            let form = try await client.execute(
                uri: "/setup-password?email=%3Cb%3E%26%22%27%40example.com&token=t%26k%22n%3C", method: .get)
            try expectPage(
                form, .ok, title: "Set your password",
                [
                    #"<input type="hidden" name="email" value="&lt;b&gt;&amp;&quot;&#39;@example.com">"#,
                    #"<input type="hidden" name="token" value="t&amp;k&quot;n&lt;">"#,
                    "<p>Account: <strong>&lt;b&gt;&amp;&quot;&#39;@example.com</strong></p>",
                    "New password (at least \(PasswordHasher.minimumLength) characters)",
                    #"minlength="\#(PasswordHasher.minimumLength)""#,
                ])
            #expect(!String(buffer: form.body).contains("<b>"))
            #expect(!String(buffer: form.body).contains(#"class="error""#), "no error before a submission")

            try expectPage(
                try await client.execute(uri: "/setup-password?token=x", method: .get), .badRequest, title: "Set your password",
                ["This link is incomplete. Open the whole link from your email."])
            let mismatch = try await post("email=cy%40example.com&token=\(secret)&password=a+long+password&confirm=other")
            try expectPage(
                mismatch, .unprocessableContent, title: "Set your password",
                [
                    #"<p class="error">The two passwords differ.</p>"#,
                    #"<input type="hidden" name="token" value="\#(secret)">"#,
                ])
            try expectPage(
                try await post("email=cy%40example.com&token=wrong&password=a+long+password&confirm=a+long+password"),
                .badRequest, title: "Set your password",
                ["This link is invalid, expired or already used. Ask your administrator for a new one."])
            let set = try await post("email=cy%40example.com&token=\(secret)&password=a+long+password&confirm=a+long+password")
            try expectPage(
                set, .ok, title: "Password set",
                ["Your password is set.", "<code>da login --server http://localhost</code>", #"<a class="button" href="/">"#])
            let cookie = try #require(set.headers[values: .setCookie].first { $0.hasPrefix("access_token=") })
            try expectPage(
                try await client.execute(uri: "/", method: .get, headers: [.cookie: Browser.cookiePair(cookie)]), .ok,
                title: "Signed in",
                ["You are signed in as <strong>cy@example.com</strong>", "role <code>analyst</code>", #"action="/logout""#])
            try expectPage(
                try await client.execute(uri: "/login", method: .get), .ok, title: "Sign in",
                ["<code>da login --server http://localhost</code>"])
            #expect(!String(buffer: try await client.execute(uri: "/login", method: .get).body).contains(#"class="error""#))
            try expectPage(
                try await client.execute(uri: "/logout", method: .post, headers: [.origin: "https://evil.example.net"]),
                .forbidden, title: "Not signed out", ["<p>Cross-site request refused.</p>"])
        }
        await dependencies.close()
    }

    @Test func theBundledTemplatesLoadAndAMissingPageIsAStartUpError() throws {
        _ = try WebTemplates.bundled()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = #expect(throws: WebTemplates.TemplateError.self) { try WebTemplates(directory: directory.url) }
        #expect(error?.description.contains("layout.mustache") == true)
    }
}
