import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Mustache
import TestSupport
import Testing

@testable import AnalystServer

/// A browser's view of the pages, in process: sessions, forms and their tokens, headers, escaping.
/// (Real Chromium walks the same pages in Tests/Browser, run by `make browser-test`.)
struct WebPagesTests {
    /// An admin and an analyst (with passwords), their cookie sessions, and the app.
    struct Fixture {
        let dependencies: ServerDependencies
        let admin: User
        let ana: User
        let adminCookie: String
        let anaCookie: String
        static let password = "a long password"
    }

    func fixture(in directory: TemporaryDirectory, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> Fixture {
        let dependencies = try await makeDependencies(in: directory, configure: configure)
        let users = dependencies.stores.users
        let hash = try await dependencies.signIn.passwords.hashNewPassword(Fixture.password)
        let admin = try await users.bootstrapAdmin(email: "admin@example.com", name: "Ada Admin", passwordHash: hash)
        let ana = try await users.create(email: "ana@example.com", name: "Ana", role: .analyst, passwordHash: hash)
        let tokens = dependencies.signIn.tokens
        return Fixture(
            dependencies: dependencies, admin: admin, ana: ana,
            adminCookie: "access_token=" + (try await tokens.issue(for: admin, users: users)),
            anaCookie: "access_token=" + (try await tokens.issue(for: ana, users: users)))
    }

    /// The test client's own origin (its Host is `localhost`).
    static let origin = "http://localhost"

    static func html(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The form token a page carries.
    static func formToken(_ response: TestResponse) throws -> String {
        let html = html(response)
        let marker = #"name="_csrf" value=""#
        let start = try #require(html.range(of: marker), "the page has a form token")
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    static func post(
        _ client: some TestClientProtocol, _ path: String, _ fields: [(String, String)], cookie: String?,
        origin: String? = WebPagesTests.origin, bearer: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        if let origin { headers[.origin] = origin }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func get(_ client: some TestClientProtocol, _ path: String, cookie: String?) async throws -> TestResponse {
        try await client.execute(uri: path, method: .get, headers: cookie.map { [.cookie: $0] } ?? [:])
    }

    /// The checks every page passes: its headers, one `<h1>`, a `<main>`, and no inline script, style or handler.
    static func expectPage(_ response: TestResponse, _ status: HTTPResponse.Status = .ok, sourceLocation: SourceLocation = #_sourceLocation)
    {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "text/html; charset=utf-8", sourceLocation: sourceLocation)
        let policy = response.headers[.contentSecurityPolicy] ?? ""
        #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), sourceLocation: sourceLocation)
        #expect(!policy.contains("unsafe-inline"), sourceLocation: sourceLocation)
        #expect(response.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
        #expect(response.headers[.xFrameOptions] == "DENY", sourceLocation: sourceLocation)
        #expect(response.headers[.referrerPolicy] == "same-origin", sourceLocation: sourceLocation)
        #expect(response.headers[.xContentTypeOptions] == "nosniff", sourceLocation: sourceLocation)
        let page = html(response)
        #expect(page.components(separatedBy: "<h1").count == 2, "one h1", sourceLocation: sourceLocation)
        #expect(page.contains("<main id=\"main\""), sourceLocation: sourceLocation)
        #expect(!page.contains("<script>") && !page.contains("<style") && !page.contains(" style="), sourceLocation: sourceLocation)
        // An attribute named on…= in a tag (quoted values, where `"` is always escaped, are blanked first).
        let tags = page.replacingOccurrences(of: #""[^"]*""#, with: "\"\"", options: .regularExpression)
        #expect(
            tags.range(of: #"<[^>]*\son[a-z]+="#, options: .regularExpression) == nil, "no inline handler", sourceLocation: sourceLocation)
    }

    // MARK: - Sign-in

    @Test func signInWithAPasswordGoesOnToALocalPageOnly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let login = try await Self.get(client, "/login?next=%2Fcatalog", cookie: nil)
            Self.expectPage(login)
            #expect(Self.html(login).contains(#"name="next" value="/catalog""#))
            #expect(!Self.html(login).contains("/login/email-link"), "email is not configured, so no link form")
            #expect(!Self.html(login).contains("Sign in with Google"), "Google is not configured")

            let wrong = try await Self.post(client, "/login", [("email", "ana@example.com"), ("password", "nope")], cookie: nil)
            Self.expectPage(wrong, .unauthorized)
            #expect(Self.html(wrong).contains("Invalid email or password."))
            #expect(Self.html(wrong).contains(#"value="ana@example.com""#), "the email stays filled in")
            #expect(wrong.headers[.setCookie] == nil)

            for (next, expected) in [
                ("/catalog?q=a", "/catalog?q=a"), ("//evil.example.net/x", "/dashboard"), ("/\\evil.example.net", "/dashboard"),
                ("https://evil.example.net/", "/dashboard"), ("javascript:alert(1)", "/dashboard"),
            ] {
                let signedIn = try await Self.post(
                    client, "/login", [("email", "Ana@Example.com"), ("password", Fixture.password), ("next", next)], cookie: nil)
                #expect(signedIn.status == .seeOther)
                #expect(signedIn.headers[.location] == expected, "next=\(next)")
                let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("access_token=") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            }

            let crossSite = try await Self.post(
                client, "/login", [("email", "ana@example.com"), ("password", Fixture.password)], cookie: nil,
                origin: "https://evil.example.net")
            #expect(crossSite.status == .forbidden, "a login form from another site does not sign in")
            #expect(crossSite.headers[.setCookie] == nil)

            let root = try await Self.get(client, "/", cookie: fixture.anaCookie)
            #expect(root.status == .found && root.headers[.location] == "/dashboard")
            let anonymous = try await Self.get(client, "/", cookie: nil)
            #expect(anonymous.status == .found && anonymous.headers[.location] == "/login")
            let expired = try await Self.get(client, "/catalog?q=x", cookie: "access_token=not-a-token")
            #expect(expired.status == .seeOther)
            #expect(expired.headers[.location] == "/login?next=%2Fcatalog%3Fq%3Dx")
        }
        await fixture.dependencies.close()
    }

    @Test func signOutNeedsThisSiteAndEndsTheSession() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let crossSite = try await Self.post(client, "/logout", [], cookie: fixture.anaCookie, origin: "https://evil.example.net")
            Self.expectPage(crossSite, .forbidden)
            #expect(try await Self.get(client, "/dashboard", cookie: fixture.anaCookie).status == .ok, "still signed in")
            let signOut = try await Self.post(client, "/logout", [], cookie: fixture.anaCookie)
            #expect(signOut.status == .found && signOut.headers[.location] == "/login")
            #expect(signOut.headers[values: .setCookie].contains { $0.hasPrefix("access_token=;") && $0.contains("Max-Age=0") })
            #expect(try await Self.get(client, "/dashboard", cookie: fixture.anaCookie).status == .seeOther, "the token is revoked")
        }
        await fixture.dependencies.close()
    }

    @Test func theSetupLinkPageSetsAPasswordAndSignsIn() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        let cy = try await fixture.dependencies.stores.users.create(email: "cy@example.com", name: nil, role: .analyst, passwordHash: nil)
        let (secret, _) = try await fixture.dependencies.stores.links.create(userID: cy.id, purpose: .setup)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            // email `<b>&"'@example.com`, token `t&k"n<`: shown escaped, and the token rides along in a hidden field.
            let form = try await Self.get(client, "/setup-password?email=%3Cb%3E%26%22%27%40example.com&token=t%26k%22n%3C", cookie: nil)
            Self.expectPage(form)
            #expect(Self.html(form).contains(#"<input type="hidden" name="email" value="&lt;b&gt;&amp;&quot;&#39;@example.com">"#))
            #expect(Self.html(form).contains(#"<input type="hidden" name="token" value="t&amp;k&quot;n&lt;">"#))
            #expect(!Self.html(form).contains("<b>"))
            Self.expectPage(try await Self.get(client, "/setup-password?token=x", cookie: nil), .badRequest)

            func submit(_ token: String, _ password: String, _ confirm: String) async throws -> TestResponse {
                try await Self.post(
                    client, "/setup-password",
                    [("email", "cy@example.com"), ("token", token), ("password", password), ("confirm", confirm)],
                    cookie: nil)
            }
            let mismatch = try await submit(secret, "a long password", "other")
            Self.expectPage(mismatch, .unprocessableContent)
            #expect(Self.html(mismatch).contains("The two passwords differ."))
            let short = try await submit(secret, "short", "short")
            #expect(short.status == .unprocessableContent && Self.html(short).contains("Use at least"))
            Self.expectPage(try await submit("wrong", "a long password", "a long password"), .badRequest)
            let set = try await submit(secret, "a long password", "a long password")
            Self.expectPage(set)
            #expect(Self.html(set).contains("<code>da auth login --server http://localhost</code>"))
            #expect(Self.html(set).contains(#"action="/logout""#) && Self.html(set).contains(#"href="/catalog""#), "signed in")
            let cookie = try #require(set.headers[values: .setCookie].first { $0.hasPrefix("access_token=") })
            let dashboard = try await Self.get(client, "/dashboard", cookie: Browser.cookiePair(cookie))
            Self.expectPage(dashboard)
            #expect(Self.html(dashboard).contains("cy@example.com"))
        }
        await fixture.dependencies.close()
    }

    // MARK: - Forms and their tokens

    @Test func aFormWithoutItsTokenOrFromAnotherSiteChangesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        let tokens = fixture.dependencies.stores.accessTokens
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let dashboard = try await Self.get(client, "/dashboard", cookie: fixture.anaCookie)
            Self.expectPage(dashboard)
            let formToken = try Self.formToken(dashboard)
            let adminToken = try Self.formToken(try await Self.get(client, "/dashboard", cookie: fixture.adminCookie))
            #expect(formToken != adminToken, "a form token belongs to one session")

            let refused: [(String, [(String, String)], String?)] = [
                ("no token", [("name", "laptop")], Self.origin),
                ("another session's token", [("name", "laptop"), ("_csrf", adminToken)], Self.origin),
                ("a forged token", [("name", "laptop"), ("_csrf", String(formToken.reversed()))], Self.origin),
                ("another site", [("name", "laptop"), ("_csrf", formToken)], "https://evil.example.net"),
                ("no origin", [("name", "laptop"), ("_csrf", formToken)], nil),
            ]
            for (why, fields, origin) in refused {
                let response = try await Self.post(client, "/dashboard/tokens", fields, cookie: fixture.anaCookie, origin: origin)
                Self.expectPage(response, .forbidden)
                #expect(Self.html(response).contains("nothing was changed"), "\(why)")
            }
            #expect(try await tokens.list(userID: fixture.ana.id).isEmpty, "no refused form created a token")

            let created = try await Self.post(
                client, "/dashboard/tokens", [("name", "laptop"), ("_csrf", formToken)], cookie: fixture.anaCookie)
            Self.expectPage(created, .created)
            let listed = try await tokens.list(userID: fixture.ana.id)
            #expect(listed.map(\.name) == ["laptop"])
            let secret = try #require(
                Self.html(created).range(of: #"da_pat_[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(Self.html(created)[$0]) })
            #expect(try await tokens.userID(forSecret: secret) == fixture.ana.id, "the secret on the page signs in as Ana")
            #expect(!Self.html(try await Self.get(client, "/dashboard", cookie: fixture.anaCookie)).contains(secret), "shown once")

            // A bearer client has no ambient credentials: no form token needed.
            let bearer = try await fixture.dependencies.signIn.tokens.issue(for: fixture.ana, users: fixture.dependencies.stores.users)
            #expect(
                try await Self.post(client, "/dashboard/tokens", [("name", "ci")], cookie: nil, origin: nil, bearer: bearer).status
                    == .created)

            let bad = try await Self.post(client, "/dashboard/tokens", [("name", " "), ("_csrf", formToken)], cookie: fixture.anaCookie)
            Self.expectPage(bad, .unprocessableContent)
            #expect(Self.html(bad).contains("name must be 1 to 100 characters"))

            // Revoking: only one's own tokens.
            let adminTokens = try await tokens.create(userID: fixture.admin.id, name: "admin's", expiresInDays: nil)
            let foreign = try await Self.post(
                client, "/dashboard/tokens/\(adminTokens.0.id)/revoke", [("_csrf", formToken)], cookie: fixture.anaCookie)
            Self.expectPage(foreign, .notFound)
            #expect(try await tokens.list(userID: fixture.admin.id).count == 1)
            let revoked = try await Self.post(
                client, "/dashboard/tokens/\(listed[0].id)/revoke", [("_csrf", formToken)], cookie: fixture.anaCookie)
            #expect(revoked.status == .seeOther && revoked.headers[.location] == "/dashboard?notice=token_revoked")
            #expect(try await tokens.userID(forSecret: secret) == nil)
        }
        await fixture.dependencies.close()
    }

    // MARK: - Static files and branding

    @Test func staticFilesAreFingerprintedCachedAndRevalidated() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let page = Self.html(try await Self.get(client, "/login", cookie: nil))
            let paths = page.matches(of: /(?:href|src)="(\/static\/[^"]+)"/).map { String($0.output.1) }
            #expect(Set(paths).count == 4, "css, theme, script, icon: \(paths)")
            for path in Set(paths) {
                let file = try await client.execute(uri: path, method: .get)
                #expect(file.status == .ok, "\(path)")
                #expect(file.headers[.cacheControl] == "public, max-age=31536000, immutable")
                let etag = try #require(file.headers[.eTag])
                #expect(path.contains(etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))), "the name carries the hash")
                let again = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
            }
            #expect(try await client.execute(uri: "/static/app.css", method: .get).status == .notFound, "only fingerprinted names")
            #expect(try await client.execute(uri: "/static/..%2F..%2Fetc%2Fpasswd", method: .get).status == .notFound)
        }
        await fixture.dependencies.close()
    }

    @Test func theInstanceNameAndThemeComeFromInstanceYAMLAndABadThemeValueStopsStartUp() async throws {
        let good = try InstanceConfig.parse(
            yaml:
                "instance:\n  name: \"Acme <Data>\"\n  subtitle: Analytics\ntheme:\n  primary: \"#ff6600\"\n  radius: 4px\n  font_primary: \"Inter, sans-serif\"\n",
            path: nil, environment: [:])
        let branding = try WebBranding(instance: good)
        #expect(branding.name == "Acme <Data>")
        #expect(branding.themeCSS.contains("--primary: #ff6600;") && branding.themeCSS.contains("--radius: 4px;"))
        for (key, value) in [
            ("primary", "red; } body { background: url(https://evil.example.net/x) "), ("radius", "4px;x"),
            ("font_primary", "x}</style><script>"),
        ] {
            let bad = try InstanceConfig.parse(yaml: "theme:\n  \(key): \"\(value)\"\n", path: nil, environment: [:])
            let error = #expect(throws: ConfigError.self) { try WebBranding(instance: bad) }
            #expect(error?.description.contains("theme.\(key)") == true)
        }

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory) { $0.instance = good }
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let login = Self.html(try await Self.get(client, "/login", cookie: nil))
            #expect(login.contains("<title>Sign in · Acme &lt;Data&gt;</title>"))
            #expect(login.contains(#"<span class="subtitle">Analytics</span>"#))
        }
        await fixture.dependencies.close()
    }

    @Test func theBundledTemplatesLoadAndAMissingPageIsAStartUpError() throws {
        _ = try WebTemplates.bundled()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = #expect(throws: WebTemplates.TemplateError.self) { try WebTemplates(directory: directory.url) }
        #expect(error?.description.contains("layout.mustache") == true)
    }
}

/// Page values become dictionaries once (`TemplateValues`), with the rules templates rely on.
struct TemplateValuesTests {
    struct Row: Sendable {
        let name: String
        let note: String?
        let count: Int
        let flag: Bool
        let when: WebFormat.Moment?
        let tags: [String]
    }

    @Test func structsBecomeDictionariesAndAbsentOptionalsAbsentKeys() throws {
        let moment = WebFormat.Moment(iso: "2026-01-01T00:00:00Z", text: "2026-01-01 00:00 UTC")
        let rows = [
            Row(name: "a", note: "n", count: 1, flag: true, when: moment, tags: ["x"]),
            Row(name: "b", note: nil, count: 2, flag: false, when: nil, tags: []),
        ]
        let prepared = try #require((TemplateValues.prepare(["rows": rows, "title": "T"]) as? TemplateObject)?.fields)
        #expect(prepared["title"] as? String == "T")
        let list = try #require(prepared["rows"] as? [Any])
        let first = try #require((list.first as? TemplateObject)?.fields), second = try #require((list.last as? TemplateObject)?.fields)
        #expect(first["name"] as? String == "a" && first["note"] as? String == "n" && first["count"] as? Int == 1)
        #expect(first["flag"] as? Bool == true && (first["tags"] as? [Any])?.count == 1)
        #expect((first["when"] as? WebFormat.Moment)?.iso == "2026-01-01T00:00:00Z", "values that answer by a switch stay")
        #expect(second["note"] == nil && second["when"] == nil, "absent optionals are absent keys")
        #expect(second["flag"] as? Bool == false)
    }
}

/// The values that answer templates by a switch (`TemplateFields.swift`) answer for every stored field: a field
/// left out would silently render empty.
struct TemplateFieldsTests {
    static func expectEveryField(_ value: some MustacheParent, sourceLocation: SourceLocation = #_sourceLocation) {
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            #expect(value.child(named: label) != nil, "\(type(of: value)).\(label)", sourceLocation: sourceLocation)
        }
        #expect(value.child(named: "noSuchField") == nil, sourceLocation: sourceLocation)
    }

    @Test func everyStoredFieldIsAnswered() {
        let moment = WebFormat.Moment(iso: "2026-01-01T00:00:00Z", text: "2026-01-01 00:00 UTC")
        let nav = WebUI.NavLink(label: "Catalog", href: "/catalog", current: true)
        Self.expectEveryField(
            WebUI.Frame(
                title: "t", instanceName: "i", subtitle: "s", viewer: .init(name: "n", email: "e", role: "r"), nav: [nav],
                formToken: "f", styles: ["/a.css"], script: "/a.js", favicon: "/a.svg", notice: "n", problem: "p"))
        Self.expectEveryField(nav)
        Self.expectEveryField(moment)
        let row = CatalogPages.Row(
            id: "t", href: "/catalog/tables/t", name: "t", description: "d", source: "files", mode: "local", remote: false,
            rows: "1", size: "1 KB", lastSync: moment, canRead: true, requested: false, inputID: "reason-1")
        Self.expectEveryField(row)
        Self.expectEveryField(CatalogPages.Bucket(name: "b", anchor: "bucket-1", tables: [row]))
        Self.expectEveryField(
            MemoryPages.Item(
                id: "i", title: "t", content: "c", category: "c", tags: "a", status: "pending", mandatory: false, upvotes: 0,
                downvotes: 0, votedUp: false, votedDown: false, audience: "all", contributors: "a", updated: moment, reason: "r",
                sensitivity: "s", revisionOf: "o", editHref: "/e", voteAction: "/v", checkboxID: "pick-0"))
        Self.expectEveryField(
            AdminTablesPages.Row(
                id: "t", name: "t", href: "/admin/tables/t", source: "files", bucket: "b", strategy: "full_refresh", schedule: "by hand",
                isPublic: true, lastStatus: "ok", lastSync: moment, lastError: "e"))
        Self.expectEveryField(
            ActivityPages.AuditRow(when: moment, who: "a", action: "GET /x", resource: "r", status: 200, failed: false, params: "{}"))
    }
}
