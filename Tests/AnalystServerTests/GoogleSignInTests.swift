import AnalystCore
import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

/// The whole OpenID Connect round trip, through real HTTP: our server ⇄ browser ⇄ a fake provider.
struct GoogleSignInTests {
    @Test func aFirstSignInCreatesAnAnalystAndSetsTheSessionCookie() async throws {
        let provider = try await FakeOIDCProvider.start()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory, oidc: settings(for: provider, domains: ["example.com"]))
        provider.prepare(.init(email: "Ana@Example.com", name: "Ana Lytic"))
        try await buildApplication(dependencies: dependencies).test(.live) { client in
            let start = try await client.execute(uri: "/auth/google/login", method: .get)
            #expect(start.status == .found)
            let location = try #require(start.headers[.location])
            #expect(location.hasPrefix(provider.issuer + "/authorize?"))
            let stateCookie = try #require(start.headers[values: .setCookie].first { $0.hasPrefix("oidc_state=") })
            #expect(stateCookie.contains("HttpOnly"))
            #expect(stateCookie.contains("SameSite=Lax"))
            #expect(stateCookie.contains("Path=/auth/google"))

            let callback = try await Browser.follow(location)
            let authorize = try #require(provider.authorizeRequests.last)
            #expect(authorize["code_challenge_method"] == "S256")
            #expect(authorize["code_challenge"]?.count == 43, "a SHA-256 challenge, base64url")
            #expect(authorize["nonce"]?.isEmpty == false)
            #expect(authorize["scope"] == "openid email profile")
            #expect(authorize["redirect_uri"]?.hasSuffix("/auth/google/callback") == true)
            let finished = try await client.execute(
                uri: callback, method: .get, headers: [.cookie: Browser.cookiePair(stateCookie)])
            #expect(finished.status == .found)
            #expect(finished.headers[.location] == "/")
            let session = try #require(finished.headers[values: .setCookie].first { $0.hasPrefix("access_token=") })
            #expect(session.contains("HttpOnly"))
            #expect(finished.headers[values: .setCookie].contains { $0.hasPrefix("oidc_state=;") }, "the state cookie is cleared")

            let me = try await client.execute(uri: "/auth/me", method: .get, headers: [.cookie: Browser.cookiePair(session)])
            #expect(me.status == .ok)
            let body = try jsonObject(me)
            #expect(body["email"] as? String == "ana@example.com")
            #expect(body["role"] as? String == "analyst")
            #expect(body["name"] as? String == "Ana Lytic")

            let replay = try await client.execute(
                uri: callback, method: .get, headers: [.cookie: Browser.cookiePair(stateCookie)])
            #expect(replay.headers[.location] == "/login?error=oauth_failed", "a state is used once")

            // A second sign-in finds the same user.
            let again = try await signIn(client, provider)
            #expect(again.headers[.location] == "/")
            let users = try await dependencies.stores.users.list()
            #expect(users.count == 1)
            #expect(users.first?.email == "ana@example.com")
        }
        await provider.stop()
    }

    @Test func everyBadIDTokenIsRefusedAndNobodyIsCreated() async throws {
        let provider = try await FakeOIDCProvider.start()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory, oidc: settings(for: provider, domains: ["example.com"]))
        try await buildApplication(dependencies: dependencies).test(.live) { client in
            let cases: [(FakeOIDCProvider.Misbehaviour, FakeOIDCProvider.Identity, String)] = [
                (.wrongNonce, .init(email: "a@example.com"), "oauth_failed"),
                (.wrongAudience, .init(email: "a@example.com"), "oauth_failed"),
                (.wrongIssuer, .init(email: "a@example.com"), "oauth_failed"),
                (.expired, .init(email: "a@example.com"), "oauth_failed"),
                (.foreignKey, .init(email: "a@example.com"), "oauth_failed"),
                (.unsigned, .init(email: "a@example.com"), "oauth_failed"),
                (.userDenies, .init(email: "a@example.com"), "oauth_failed"),
                (.none, .init(email: "eve@elsewhere.org"), "domain_not_allowed"),
                (.none, .init(email: "a@example.com", emailVerified: false), "email_not_verified"),
                (.none, .init(email: nil), "no_email"),
            ]
            for (misbehaviour, identity, reason) in cases {
                provider.prepare(identity, misbehaviour: misbehaviour)
                let response = try await signIn(client, provider)
                #expect(response.headers[.location] == "/login?error=\(reason)", "\(misbehaviour) \(identity)")
                #expect(!response.headers[values: .setCookie].contains { $0.hasPrefix("access_token=") })
            }
            #expect(try await dependencies.stores.users.list().isEmpty)

            // A callback whose state is not this browser's is refused before the code is ever redeemed.
            provider.prepare(.init(email: "a@example.com"))
            let start = try await client.execute(uri: "/auth/google/login", method: .get)
            let callback = try await Browser.follow(try #require(start.headers[.location]))
            let tokenCalls = provider.tokenRequestCount
            let foreign = try await client.execute(uri: callback, method: .get, headers: [.cookie: "oidc_state=someone-elses"])
            #expect(foreign.headers[.location] == "/login?error=oauth_failed")
            let noCookie = try await client.execute(uri: callback, method: .get)
            #expect(noCookie.headers[.location] == "/login?error=oauth_failed")
            #expect(provider.tokenRequestCount == tokenCalls)
        }
        await provider.stop()
    }

    @Test func withoutConfigurationTheBrowserIsSentBackToLogin() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let login = try await client.execute(uri: "/auth/google/login", method: .get)
            #expect(login.status == .temporaryRedirect)
            #expect(login.headers[.location] == "/login?error=google_not_configured")
            let callback = try await client.execute(uri: "/auth/google/callback?code=x&state=y", method: .get)
            #expect(callback.headers[.location] == "/login?error=google_not_configured")
        }
        await dependencies.close()
    }

    @Test func anUnreachableProviderFailsCleanly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Nothing listens on this port: the discovery request fails and the browser gets oauth_failed.
        let closedPort = try FreePort.find()
        var settings = OIDCSettings(
            clientID: "c", clientSecret: "s", discoveryURL: "http://127.0.0.1:\(closedPort)/.well-known/openid-configuration")
        settings.requestTimeout = .seconds(1)
        let dependencies = try await makeDependencies(in: directory, oidc: settings)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let login = try await client.execute(uri: "/auth/google/login", method: .get)
            #expect(login.headers[.location] == "/login?error=oauth_failed")
        }
        await dependencies.close()
    }

    @Test func settingsComeFromTheEnvironmentAndFile() throws {
        let instance = try InstanceConfig.parse(
            yaml: "auth:\n  allowed_domain: Example.com, corp.example\n  google_client_id: from-file\n", path: nil,
            environment: [:])
        let settings = try #require(
            try OIDCSettings.resolve(instance: instance, environment: ["GOOGLE_CLIENT_SECRET": "secret"]))
        #expect(settings.clientID == "from-file")
        #expect(settings.discoveryURL == OIDCSettings.googleDiscoveryURL)
        #expect(settings.allowedDomains == ["example.com", "corp.example"])
        #expect(settings.allows(email: "a@corp.example"))
        #expect(!settings.allows(email: "a@corp.example.evil.net"))
        #expect(try OIDCSettings.resolve(instance: InstanceConfig(), environment: [:]) == nil)
        #expect(throws: LaunchError.self) {
            try OIDCSettings.resolve(instance: InstanceConfig(), environment: ["GOOGLE_CLIENT_ID": "only-id"])
        }
        #expect(throws: LaunchError.self) {
            try OIDCSettings.resolve(
                instance: InstanceConfig(),
                environment: ["GOOGLE_CLIENT_ID": "i", "GOOGLE_CLIENT_SECRET": "s", "GOOGLE_DISCOVERY_URL": "http://idp.example/x"])
        }
    }

    @Test func pkceChallengeMatchesRFC7636() {
        #expect(Secrets.pkceChallenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    // MARK: - Helpers

    private func settings(for provider: FakeOIDCProvider, domains: [String]) -> OIDCSettings {
        OIDCSettings(
            clientID: provider.clientID, clientSecret: provider.clientSecret, discoveryURL: provider.discoveryURL,
            allowedDomains: domains)
    }

    /// Login → provider → callback, carrying the state cookie like a browser.
    private func signIn(_ client: some TestClientProtocol, _ provider: FakeOIDCProvider) async throws -> TestResponse {
        let start = try await client.execute(uri: "/auth/google/login", method: .get)
        let location = try #require(start.headers[.location])
        let stateCookie = try #require(start.headers[values: .setCookie].first { $0.hasPrefix("oidc_state=") })
        let callback = try await Browser.follow(location)
        return try await client.execute(uri: callback, method: .get, headers: [.cookie: Browser.cookiePair(stateCookie)])
    }
}

/// What a browser does between our server and the provider.
enum Browser {
    /// GETs the provider's URL without following its redirect; returns the path and query it redirects to.
    static func follow(_ url: String) async throws -> String {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        let location = try #require(response.headers.first(name: "location"), "the provider answered \(response.status)")
        let components = try #require(URLComponents(string: location))
        return components.path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// `name=value` from a Set-Cookie header.
    static func cookiePair(_ setCookie: String) -> String {
        String(setCookie.prefix { $0 != ";" })
    }
}
