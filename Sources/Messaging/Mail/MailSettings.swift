import AnalystCore
import Foundation
import NIOSSL

/// How the server sends email, from `instance.yaml` (`email.*`) with environment overrides (`SMTP_*`).
public struct MailSettings: Sendable, Equatable {
    public enum Security: String, Sendable {
        /// Plain connection upgraded with STARTTLS (port 587); the default.
        case starttls
        /// TLS from the first byte (port 465).
        case tls
        /// No encryption (a local relay only).
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var user: String?
    public var password: String?
    public var fromAddress: String
    public var fromName: String?
    /// A PEM file of extra trusted certificates (a private CA); the system's roots otherwise.
    public var caFile: String?
    public var heloName = "localhost"
    /// The longest a whole delivery may take.
    public var timeout: Duration = .seconds(30)

    public init(
        host: String, port: Int? = nil, security: Security = .starttls, user: String? = nil, password: String? = nil,
        fromAddress: String, fromName: String? = nil, caFile: String? = nil
    ) {
        self.host = host
        self.security = security
        self.port = port ?? (security == .tls ? 465 : security == .starttls ? 587 : 25)
        self.user = user
        self.password = password
        self.fromAddress = fromAddress
        self.fromName = fromName
        self.caFile = caFile
    }

    /// The settings from configuration, or `nil` when no SMTP host is configured (email is then off).
    public static func resolve(instance: InstanceConfig, environment: [String: String]) throws -> MailSettings? {
        func value(_ variable: String, _ key: String) -> String? {
            if let text = environment[variable], !text.isEmpty { return text }
            return instance.string(key).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let host = value("SMTP_HOST", "email.smtp_host") else { return nil }
        let securityName = (value("SMTP_TLS", "email.smtp_tls") ?? "starttls").lowercased()
        guard let security = Security(rawValue: securityName) else {
            throw MailError.invalidSetting("SMTP_TLS / email.smtp_tls must be starttls, tls or none, got \"\(securityName)\"")
        }
        var port: Int?
        if let text = environment["SMTP_PORT"], !text.isEmpty {
            guard let parsed = Int(text), (1...65_535).contains(parsed) else {
                throw MailError.invalidSetting("SMTP_PORT must be a port number, got \"\(text)\"")
            }
            port = parsed
        } else {
            port = instance.int("email.smtp_port")
        }
        let from = value("SMTP_FROM", "email.from_address") ?? "noreply@\(host)"
        return MailSettings(
            host: host, port: port, security: security, user: value("SMTP_USER", "email.smtp_user"),
            password: value("SMTP_PASSWORD", "email.smtp_password"), fromAddress: from,
            fromName: instance.string("email.from_name"), caFile: value("SMTP_CA_FILE", "email.smtp_ca_file"))
    }

    /// The name TLS verifies the certificate against; `nil` for an IP address (SNI takes names only).
    var serverNameForTLS: String? {
        let isIPv4 = host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
        return isIPv4 || host.contains(":") ? nil : host
    }

    func makeTLSContext() throws -> NIOSSLContext? {
        guard security != .none else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// An address with an optional display name.
public struct MailAddress: Sendable, Equatable {
    public var address: String
    public var name: String?

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    var header: String {
        guard let name, !name.isEmpty else { return address }
        return MailMessage.encodedWord(name) + " <\(address)>"
    }
}

/// A plain-text email.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    public var body: String

    public init(from: MailAddress, to: [MailAddress], subject: String, body: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
    }

    /// RFC 5322 text with a base64 UTF-8 body (so no line can be mistaken for the end of DATA).
    func rendered(date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        let encodedBody = Data(body.utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        let headers = [
            "From: \(from.header)",
            "To: \(to.map(\.header).joined(separator: ", "))",
            "Subject: \(MailMessage.encodedWord(subject))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + encodedBody
    }

    /// RFC 2047 encoding for header text that is not plain ASCII.
    static func encodedWord(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !$0.isASCII || $0 == "\r" || $0 == "\n" }) else { return text }
        return "=?UTF-8?B?" + Data(text.utf8).base64EncodedString() + "?="
    }
}
