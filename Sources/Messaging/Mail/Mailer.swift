import Foundation
import Logging

/// Sends the server's emails with the configured SMTP settings; without them, sending fails with
/// `MailError.notConfigured` (callers that must not reveal anything just log it).
public struct Mailer: Sendable {
    public let settings: MailSettings?

    public init(settings: MailSettings?) {
        self.settings = settings
    }

    public var isConfigured: Bool { settings != nil }

    /// Sends a plain-text email to one recipient.
    public func send(to address: String, subject: String, body: String) async throws {
        guard let settings else { throw MailError.notConfigured }
        let message = MailMessage(
            from: MailAddress(settings.fromAddress, name: settings.fromName), to: [MailAddress(address)], subject: subject,
            body: body)
        try await SMTPClient(settings: settings).send(message)
    }
}
