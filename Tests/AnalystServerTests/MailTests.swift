import AnalystCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Messaging
import TestSupport
import Testing

@testable import AnalystServer

@Suite(.serialized)
struct MailTests {
    /// The server by its IPv4 address, not `localhost` (tried as ::1 first, where another test's server may hold the
    /// same port number). The delivery may take up to two minutes: the first test of this suite runs while every
    /// other suite starts its servers, and twice in CI the 30 s default ran out before the conversation was scheduled
    /// (the server's greeting is checked when it starts, so a silent server still fails fast).
    func settings(for server: SMTPServerProcess, password: String? = nil) -> MailSettings {
        var settings = MailSettings(
            host: "127.0.0.1", port: server.port, security: .starttls, user: server.user,
            password: password ?? server.password, fromAddress: "analyst@example.com", fromName: "Data Analyst",
            caFile: server.certificatePath)
        settings.timeout = .seconds(120)
        return settings
    }

    @Test func deliversOverSTARTTLSWithAuthentication() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await SMTPServerProcess(in: directory)
        try await Mailer(settings: settings(for: server)).send(
            to: "ana@example.com", subject: "Grüße", body: "Hello Ana,\n.\nA line with a lone dot stays.\n")
        let received = try await server.message()
        #expect(received.tls)
        #expect(received.authenticated)
        #expect(received.envelope["from"] == "analyst@example.com")
        #expect(received.recipients == ["ana@example.com"])
        #expect(received.raw.contains("Subject: =?UTF-8?B?"))
        #expect(received.raw.contains("From: Data Analyst <analyst@example.com>"))
        #expect(received.body == "Hello Ana,\n.\nA line with a lone dot stays.\n")
    }

    @Test func aRefusedLoginSaysWhichStepFailed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await SMTPServerProcess(in: directory)
        let error = await #expect(throws: MailError.self) {
            try await Mailer(settings: settings(for: server, password: "wrong")).send(to: "a@example.com", subject: "x", body: "y")
        }
        #expect(error?.description.contains("refused AUTH") == true)
        let notConfigured = await #expect(throws: MailError.self) {
            try await Mailer(settings: nil).send(to: "a@example.com", subject: "x", body: "y")
        }
        #expect(notConfigured?.description.contains("not configured") == true)
    }

    @Test func anEmailedSignInLinkWorksWhenClicked() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let smtp = try await SMTPServerProcess(in: directory)
        let dependencies = try await makeDependencies(in: directory, publicURL: "https://analyst.example.com") {
            $0.mail = settings(for: smtp)
        }
        _ = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let unknown = try await client.post("/auth/email/send-link", json: #"{"email":"nobody@example.com"}"#)
            let known = try await client.post("/auth/email/send-link", json: #"{"email":"Ana@Example.com"}"#)
            #expect(unknown.status == .ok)
            #expect(known.status == .ok)
            #expect(String(buffer: unknown.body) == String(buffer: known.body), "the answer does not reveal accounts")

            let mail = try await smtp.message()
            #expect(mail.recipients == ["ana@example.com"])
            let link = try #require(
                mail.body.split(separator: "\n").first { $0.hasPrefix("https://analyst.example.com/auth/email/verify?") })
            let pathAndQuery = String(link.dropFirst("https://analyst.example.com".count))

            let clicked = try await client.execute(uri: pathAndQuery, method: .get)
            #expect(clicked.status == .found)
            #expect(clicked.headers[.location] == "/")
            let cookie = try #require(clicked.headers[.setCookie])
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Secure"), "the public URL is https")
            let token = try #require(cookie.split(separator: ";").first.map { String($0.dropFirst("access_token=".count)) })
            let me = try await client.execute(uri: "/auth/me", method: .get, headers: [.cookie: "access_token=\(token)"])
            #expect(me.status == .ok)
            #expect(try jsonObject(me)["email"] as? String == "ana@example.com")

            let again = try await client.execute(uri: pathAndQuery, method: .get)
            #expect(again.headers[.location] == "/login?error=invalid_link", "a link works once")
            let viaAPI = try await client.post("/auth/email/verify", json: #"{"email":"ana@example.com","token":"forged"}"#)
            #expect(viaAPI.status == .unauthorized)
            #expect(try detail(viaAPI) == "Invalid or expired link")
        }
        await dependencies.close()
    }
    @Test func anAdminsEmailedSetupLinkOpensAFormThatSetsThePassword() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let smtp = try await SMTPServerProcess(in: directory)
        let dependencies = try await makeDependencies(in: directory, publicURL: "https://analyst.example.com") {
            $0.mail = settings(for: smtp)
        }
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let adminToken = try await dependencies.signIn.tokens.issue(for: admin, generation: 0)
        let bo = try await dependencies.stores.users.create(email: "bo@example.com", name: "Bo <b>", role: .analyst, passwordHash: nil)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let created = try await client.execute(
                uri: "/api/users/\(bo.id)/setup-link", method: .post, headers: [.authorization: "Bearer \(adminToken)"])
            #expect(created.status == .created)
            #expect(try jsonObject(created)["emailed"] as? Bool == true)
            let mail = try await smtp.message()
            #expect(mail.recipients == ["bo@example.com"])
            #expect(mail.body.contains("Hello Bo <b>,"))
            let link = try #require(
                mail.body.split(separator: "\n").first { $0.hasPrefix("https://analyst.example.com/setup-password?") })
            let pathAndQuery = String(link.dropFirst("https://analyst.example.com".count))

            let form = try await client.execute(uri: pathAndQuery, method: .get)
            #expect(form.status == .ok)
            #expect(form.headers[.contentType] == "text/html; charset=utf-8")
            #expect(form.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            let html = String(buffer: form.body)
            #expect(html.contains(#"<input type="hidden" name="email" value="bo@example.com">"#))
            let token = try #require(URLComponents(string: String(link))?.queryItems?.first { $0.name == "token" }?.value)

            func submit(_ password: String, _ confirm: String) async throws -> TestResponse {
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                let fields = [("email", "bo@example.com"), ("token", token), ("password", password), ("confirm", confirm)]
                let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
                    .joined(separator: "&")
                return try await client.execute(
                    uri: "/setup-password", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: body))
            }
            let short = try await submit("short", "short")
            #expect(short.status == .unprocessableContent)
            #expect(String(buffer: short.body).contains("Use at least 10 characters."), "and the link stays usable")
            let mismatch = try await submit("a long password", "another password")
            #expect(mismatch.status == .unprocessableContent)
            #expect(String(buffer: mismatch.body).contains("The two passwords differ."))
            let set = try await submit("a long password+&=", "a long password+&=")
            #expect(set.status == .ok)
            #expect(String(buffer: set.body).contains("Your password is set and you are signed in."))
            let session = try #require(set.headers[values: .setCookie].first { $0.hasPrefix("access_token=") })
            let home = try await client.execute(uri: "/dashboard", method: .get, headers: [.cookie: Browser.cookiePair(session)])
            #expect(home.status == .ok)
            #expect(String(buffer: home.body).contains("Bo &lt;b&gt;"), "names are escaped")

            let login = try await client.post("/auth/token", json: #"{"email":"bo@example.com","password":"a long password+&="}"#)
            #expect(login.status == .ok, "the form's password is the account's password")
            let reused = try await submit("a third password", "a third password")
            #expect(reused.status == .badRequest, "the link works once")

            let notSent = try await client.execute(
                uri: "/api/users/\(bo.id)/setup-link", method: .post,
                headers: [.authorization: "Bearer \(adminToken)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"send_email":false}"#))
            #expect(try jsonObject(notSent)["emailed"] as? Bool == false)
        }
        await dependencies.close()
    }
}

struct MailTimeoutTests {
    @Test func aSilentServerIsGivenUpOn() async throws {
        let silent = try SilentServer()
        var settings = MailSettings(host: "127.0.0.1", port: silent.port, security: .none, fromAddress: "a@example.com")
        settings.timeout = .milliseconds(500)
        let error = await #expect(throws: MailError.self) {
            try await Mailer(settings: settings).send(to: "b@example.com", subject: "x", body: "y")
        }
        #expect(error?.description.contains("no answer from the SMTP server") == true)
    }
}
