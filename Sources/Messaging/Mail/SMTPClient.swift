import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends one email over SMTP: plain, STARTTLS or implicit TLS, with optional AUTH PLAIN.
///
/// A small, real client (RFC 5321): it reads every reply and fails with the server's own words when a step is
/// refused. One connection per message; the server sends few emails (sign-in links, notifications).
struct SMTPClient: Sendable {
    let settings: MailSettings

    /// Delivers `message`; throws `MailError` with the failing step and the server's reply.
    func send(_ message: MailMessage) async throws {
        let tlsContext = try settings.makeTLSContext()
        let host = settings.serverNameForTLS
        let implicitTLS = settings.security == .tls
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS, let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tlsContext, serverHostname: host))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler())
                }
            }
            .connect(host: settings.host, port: settings.port).get()
        let session = SMTPSession(channel: channel)
        let timeout = settings.timeout
        let deadline = ContinuousClock.now + timeout
        do {
            // A server that stops answering must not hold the sender forever: past the deadline the connection
            // is closed, which fails the step that is waiting.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await converse(session, message: message, tlsContext: tlsContext) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    // Closing fails the reply the conversation is waiting for, so it ends too.
                    try? await channel.close()
                    throw MailError.connection("no answer from the SMTP server within \(timeout)")
                }
                defer { group.cancelAll() }
                try await group.next()
            }
            try? await channel.close()
        } catch {
            try? await channel.close()
            // Whichever failed first, past the deadline the reason is the silence.
            if ContinuousClock.now >= deadline {
                throw MailError.connection("no answer from the SMTP server within \(timeout)")
            }
            throw error
        }
    }

    private func converse(_ session: SMTPSession, message: MailMessage, tlsContext: NIOSSLContext?) async throws {
        try await session.expect(220, step: "greeting")
        let helloName = settings.heloName
        let capabilities = try await session.command("EHLO \(helloName)", expect: 250, step: "EHLO")
        if settings.security == .starttls {
            guard capabilities.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }), let tlsContext else {
                throw MailError.refused(step: "STARTTLS", reply: "the server does not offer STARTTLS")
            }
            _ = try await session.command("STARTTLS", expect: 220, step: "STARTTLS")
            try await session.startTLS(context: tlsContext, serverHostname: settings.serverNameForTLS)
            // Capabilities may differ after TLS; only AUTH follows, and the server answers it either way.
            _ = try await session.command("EHLO \(helloName)", expect: 250, step: "EHLO after STARTTLS")
        }
        if let user = settings.user {
            let credentials = Data(("\u{0}" + user + "\u{0}" + (settings.password ?? "")).utf8).base64EncodedString()
            _ = try await session.command("AUTH PLAIN \(credentials)", expect: 235, step: "AUTH", redacted: "AUTH PLAIN ***")
        }
        _ = try await session.command("MAIL FROM:<\(message.from.address)>", expect: 250, step: "MAIL FROM")
        for recipient in message.to {
            let reply = try await session.command("RCPT TO:<\(recipient.address)>", expect: nil, step: "RCPT TO")
            guard reply.code == 250 || reply.code == 251 else {
                throw MailError.refused(step: "RCPT TO \(recipient.address)", reply: reply.text)
            }
        }
        _ = try await session.command("DATA", expect: 354, step: "DATA")
        _ = try await session.command(message.rendered() + "\r\n.", expect: 250, step: "message", redacted: "<message>")
        _ = try? await session.command("QUIT", expect: 221, step: "QUIT")
    }
}

/// One SMTP reply: its code and text lines.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
    var text: String { "\(code) " + lines.joined(separator: " / ") }
}

/// Talks to the reply handler on the channel's event loop.
struct SMTPSession: Sendable {
    let channel: any Channel

    func nextReply() async throws -> SMTPReply {
        try await channel.eventLoop.flatSubmit { [channel] in
            do {
                return try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self).nextReply(on: channel.eventLoop)
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }.get()
    }

    func expect(_ code: Int, step: String) async throws {
        let reply = try await nextReply()
        guard reply.code == code else { throw MailError.refused(step: step, reply: reply.text) }
    }

    /// Sends one command line and reads the reply; checks the code when `expect` is given.
    func command(_ line: String, expect code: Int?, step: String, redacted: String? = nil) async throws -> SMTPReply {
        try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
        let reply = try await nextReply()
        if let code, reply.code != code { throw MailError.refused(step: step, reply: reply.text) }
        return reply
    }

    /// Puts TLS in front of the connection (after a 220 to STARTTLS).
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        try await channel.eventLoop.submit { [channel] in
            let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
    }
}

/// Splits the byte stream into SMTP replies (`250-…` continues, `250 …` ends a reply). Event-loop confined.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var partial = ""
    private var currentLines: [String] = []
    private var replies: [SMTPReply] = []
    private var waiters: [EventLoopPromise<SMTPReply>] = []
    private var failure: Error?

    func nextReply(on eventLoop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if !replies.isEmpty { return eventLoop.makeSucceededFuture(replies.removeFirst()) }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        waiters.append(promise)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        partial += buffer.readString(length: buffer.readableBytes) ?? ""
        while let end = partial.range(of: "\r\n") {
            let line = String(partial[..<end.lowerBound])
            partial.removeSubrange(..<end.upperBound)
            receive(line)
        }
    }

    private func receive(_ line: String) {
        let codeText = line.prefix(3)
        let separator = line.dropFirst(3).first
        currentLines.append(String(line.dropFirst(4)))
        guard separator != "-" else { return }
        let reply = SMTPReply(code: Int(codeText) ?? 0, lines: currentLines)
        currentLines = []
        if waiters.isEmpty {
            replies.append(reply)
        } else {
            waiters.removeFirst().succeed(reply)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(MailError.connection(String(describing: error)))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(MailError.connection("the server closed the connection"))
    }

    private func fail(_ error: Error) {
        failure = failure ?? error
        let pending = waiters
        waiters = []
        pending.forEach { $0.fail(error) }
    }
}

/// Why an email was not sent.
public enum MailError: Error, CustomStringConvertible {
    case notConfigured
    case refused(step: String, reply: String)
    case connection(String)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .notConfigured: return "email is not configured (set email.smtp_host or SMTP_HOST)"
        case .refused(let step, let reply): return "the SMTP server refused \(step): \(reply)"
        case .connection(let reason): return "SMTP connection failed: \(reason)"
        case .invalidSetting(let message): return message
        }
    }
}
