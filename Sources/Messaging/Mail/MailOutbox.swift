import Logging

/// One email waiting to be sent.
public struct OutboundMail: Sendable, Equatable {
    public var to: String
    public var subject: String
    public var body: String
    /// What the mail is, for the log line of a failure (never the body: it may hold a one-time link).
    public var purpose: String

    public init(to: String, subject: String, body: String, purpose: String) {
        self.to = to
        self.subject = subject
        self.body = body
        self.purpose = purpose
    }
}

/// Mail that must not hold up a request or reveal its outcome (sign-in links): handlers `enqueue` and return at
/// once; `run()` (the server's mail service) sends in order and logs failures. `finish()` takes no more mail and lets
/// `run()` send what is queued before it returns, so a graceful shutdown loses nothing.
public final class MailOutbox: Sendable {
    let mailer: Mailer
    let logger: Logger
    private let queue: AsyncStream<OutboundMail>
    private let input: AsyncStream<OutboundMail>.Continuation

    public init(mailer: Mailer, logger: Logger) {
        self.mailer = mailer
        self.logger = logger
        (queue, input) = AsyncStream.makeStream(of: OutboundMail.self)
    }

    /// Queues `mail`; returns at once. After `finish()` the mail is dropped and logged.
    public func enqueue(_ mail: OutboundMail) {
        if case .terminated = input.yield(mail) {
            logger.error("mail dropped: the server is shutting down", metadata: ["purpose": "\(mail.purpose)"])
        }
    }

    /// Sends queued mail one by one until `finish()` has been called and the queue is empty.
    public func run() async {
        for await mail in queue {
            do {
                try await mailer.send(to: mail.to, subject: mail.subject, body: mail.body)
            } catch {
                logger.error("could not send mail", metadata: ["purpose": "\(mail.purpose)", "error": "\(error)"])
            }
        }
    }

    /// Takes no more mail; `run()` returns once what is queued has been sent.
    public func finish() {
        input.finish()
    }
}
