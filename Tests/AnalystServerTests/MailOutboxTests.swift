import Foundation
import Messaging
import TestSupport
import Testing

/// The outbox sends what was queued before `finish()` and refuses (logging it) what comes after: a graceful
/// shutdown loses no mail and hangs on none.
@Suite(.timeLimit(.minutes(1)))
struct MailOutboxTests {
    @Test func queuedMailIsHandledBeforeRunReturnsAndLateMailIsRefused() async throws {
        let logs = LogCapture()
        // No SMTP settings: every send fails at once with "not configured", which the outbox logs.
        let outbox = MailOutbox(mailer: Mailer(settings: nil), logger: logs.logger())
        for index in 0..<3 {
            outbox.enqueue(OutboundMail(to: "u\(index)@example.com", subject: "s", body: "secret link", purpose: "test \(index)"))
        }
        outbox.finish()
        await outbox.run()
        let failures = logs.lines.filter { $0.contains("could not send mail") }
        #expect(failures.count == 3)
        #expect(failures.allSatisfy { !$0.contains("secret link") }, "a mail's body never reaches the log")
        outbox.enqueue(OutboundMail(to: "late@example.com", subject: "s", body: "b", purpose: "late"))
        #expect(logs.lines.contains { $0.contains("mail dropped") && $0.contains("late") })
    }
}
