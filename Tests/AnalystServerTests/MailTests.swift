import AnalystCore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

@Suite(.serialized)
struct MailTests {
    func settings(for server: SMTPServerProcess, password: String? = nil) -> MailSettings {
        MailSettings(
            host: "localhost", port: server.port, security: .starttls, user: server.user,
            password: password ?? server.password, fromAddress: "analyst@example.com", fromName: "Data Analyst",
            caFile: server.certificatePath)
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
        let configuration = ServerConfiguration(
            dataDirectory: DataDirectory(directory.appending("data")), port: 0, duckDBThreads: 1,
            jwtSecret: "test-secret-0123456789-0123456789-abcdef", publicURL: "https://analyst.example.com",
            mail: settings(for: smtp))
        let dependencies = try await ServerDependencies.open(configuration: configuration, logger: LogCapture().logger())
        _ = try await dependencies.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
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
