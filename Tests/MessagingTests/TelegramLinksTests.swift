import AnalystCore
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

/// The link codes and links in a real system database.
@Suite struct TelegramLinksTests {
    /// A clock the test moves by hand.
    final class Clock: Sendable {
        private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: @Sendable () -> Date { { [self] in current.withLock { $0 } } }
        func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    func withLinks(_ body: (TelegramLinks, Clock) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try SystemDatabase(path: directory.appending("system.duckdb"), logger: Logger(label: "test"))
        let clock = Clock()
        do {
            try await body(TelegramLinks(system: system, now: clock.now), clock)
        } catch {
            await system.close()
            throw error
        }
        await system.close()
    }

    @Test func aCodeLinksOnceAndOnlyWhileFresh() async throws {
        try await withLinks { links, clock in
            let code = try await links.issueCode(chatID: 501)
            #expect(TelegramLinks.isCodeShaped(code))
            clock.advance(by: 599)
            #expect(try await links.verify(code: " \(code) ", userID: "u1") == 501)
            #expect(try await links.verify(code: code, userID: "u1") == nil, "one-time")
            #expect(try await links.verify(code: code, userID: "u2") == nil)
            let link = try #require(try await links.status(userID: "u1"))
            #expect(link.chatID == 501 && link.userID == "u1")
            #expect(abs(link.linkedAt.timeIntervalSince(clock.now())) < 1)
            #expect(try await links.user(chatID: 501) == "u1")

            let late = try await links.issueCode(chatID: 502)
            clock.advance(by: 601)
            #expect(try await links.verify(code: late, userID: "u3") == nil, "expired after 10 minutes")
            #expect(try await links.status(userID: "u3") == nil)
        }
    }

    @Test func aChatHasOneLiveCodeAndCodesAreUniqueSixDigits() async throws {
        try await withLinks { links, _ in
            let older = try await links.issueCode(chatID: 510)
            let newer = try await links.issueCode(chatID: 510)
            #expect(try await links.verify(code: older, userID: "u1") == nil || older == newer, "the older code is gone")
            #expect(try await links.verify(code: newer, userID: "u1") == 510)

            var codes: Set<String> = []
            for chat in 1...150 { codes.insert(try await links.issueCode(chatID: Int64(1000 + chat))) }
            #expect(codes.count == 150)
            #expect(codes.allSatisfy(TelegramLinks.isCodeShaped))
            for malformed in ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", "' OR 1=1"] {
                #expect(try await links.verify(code: malformed, userID: "u9") == nil)
            }
        }
    }

    /// Issues a code in `chatID` and verifies it as `userID`.
    func link(_ links: TelegramLinks, chat chatID: Int64, to userID: String) async throws -> Int64? {
        let code = try await links.issueCode(chatID: chatID)
        return try await links.verify(code: code, userID: userID)
    }

    @Test func linkingMovesAChatAndKeepsOneChatPerUser() async throws {
        try await withLinks { links, _ in
            let anaFirst = try await link(links, chat: 520, to: "ana")
            #expect(anaFirst == 520)
            // Ben links the same chat: it moves to him.
            let benFirst = try await link(links, chat: 520, to: "ben")
            #expect(benFirst == 520)
            #expect(try await links.user(chatID: 520) == "ben")
            #expect(try await links.status(userID: "ana") == nil)
            // Ben links another chat: his first one is no longer his.
            let benSecond = try await link(links, chat: 521, to: "ben")
            #expect(benSecond == 521)
            #expect(try await links.status(userID: "ben")?.chatID == 521)
            #expect(try await links.user(chatID: 520) == nil)

            let unlinked = try await links.unlink(chatID: 521)
            let again = try await links.unlink(chatID: 521)
            #expect(unlinked && !again)
            let anaAgain = try await link(links, chat: 522, to: "ana")
            #expect(anaAgain == 522)
            let byUser = try await links.unlink(userID: "ana")
            #expect(byUser)
            #expect(try await links.status(userID: "ana") == nil)
        }
    }

    @Test func twoVerificationsOfOneCodeRacingLinkOnce() async throws {
        try await withLinks { links, _ in
            for round in 0..<5 {
                let chat = Int64(530 + round)
                let code = try await links.issueCode(chatID: chat)
                async let first = links.verify(code: code, userID: "ana")
                async let second = links.verify(code: code, userID: "ben")
                let results = try await [first, second]
                #expect(results.compactMap { $0 } == [chat], "exactly one verification wins")
                let owner = try await links.user(chatID: chat)
                #expect(owner == (results[0] != nil ? "ana" : "ben"))
            }
        }
    }
}
