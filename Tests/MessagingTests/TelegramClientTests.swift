import Foundation
import Messaging
import TestSupport
import Testing

/// The Bot API client against the fake: the reference's cuts, the Markdown fallback, 429 and 403, multipart photos,
/// long polling, and a token that never shows.
@Suite struct TelegramClientTests {
    @Test func longTextsAndCaptionsAreCutAsTheReferenceDid() async throws {
        try await TelegramHarness.withFake { fake in
            let client = try TelegramHarness.client(fake)
            try await client.sendMessage(chatID: 7, text: String(repeating: "a", count: 5000), parseMode: nil)
            try await client.sendPhoto(
                chatID: 7, photo: TelegramHarness.png, filename: "chart.png", caption: String(repeating: "b", count: 2000), parseMode: nil)
            let sent = fake.sent
            try #require(sent.count == 2)
            #expect(sent[0].text == String(repeating: "a", count: 4093) + "...")
            #expect(sent[1].caption == String(repeating: "b", count: 1021) + "...")
            let fits = String(repeating: "c", count: 4096)
            #expect(TelegramClient.cut(fits, limit: 4096) == fits, "a text at the limit is kept whole")
        }
        // Telegram counts UTF-16 code units: an emoji is two, and is never split.
        let emoji = TelegramClient.cut(String(repeating: "😀", count: 3000), limit: 4096)
        #expect(emoji.utf16.count <= 4096)
        #expect(emoji.hasSuffix("...") && emoji.dropLast(3).allSatisfy { $0 == "😀" })
    }

    @Test func markdownTelegramCannotParseIsSentAgainAsPlainText() async throws {
        try await TelegramHarness.withFake { fake in
            let client = try TelegramHarness.client(fake)
            try await client.sendMessage(chatID: 7, text: "revenue *down")
            let calls = fake.calls
            try #require(calls.count == 2)
            #expect(calls[0].status == 400 && calls[0].parseMode == "Markdown")
            #expect(calls[1].status == 200 && calls[1].parseMode == nil && calls[1].text == "revenue *down")

            fake.failNext("sendPhoto", with: .cantParseEntities)
            try await client.sendPhoto(chatID: 7, photo: TelegramHarness.png, filename: "a.png", caption: "*fine*")
            let photos = fake.calls.filter { $0.method == "sendPhoto" }
            #expect(photos.map(\.status) == [400, 200])
            #expect(photos.map(\.parseMode) == ["Markdown", nil])
            #expect(photos.last?.photo == TelegramHarness.png, "the photo is sent again too")

            await #expect(
                throws: TelegramError.refused(
                    method: "sendMessage", status: 400,
                    description: "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0")
            ) {
                fake.failNext("sendMessage", with: .cantParseEntities, times: 2)
                try await client.sendMessage(chatID: 7, text: "plain")
            }
            #expect(fake.calls.suffix(2).map(\.parseMode) == ["Markdown", nil], "one fallback, not a loop")
        }
    }

    @Test func rateLimitsAreWaitedOutForRetryAfter() async throws {
        try await TelegramHarness.withFake { fake in
            let waits = Waits()
            var client = try TelegramHarness.client(fake, waits: waits)
            fake.failNext("sendMessage", with: .tooManyRequests(retryAfter: 3))
            try await client.sendMessage(chatID: 7, text: "hello")
            #expect(waits.all == [.seconds(3)])
            #expect(fake.calls.map(\.status) == [429, 200])

            client.maxRetryAfter = .seconds(2)
            fake.failNext("answerCallbackQuery", with: .tooManyRequests(retryAfter: 5000))
            try await client.answerCallbackQuery(id: "q1")
            #expect(waits.all == [.seconds(3), .seconds(2)], "a long retry_after is capped")

            fake.failNext("sendMessage", with: .tooManyRequests(retryAfter: 1), times: 3)
            await #expect(throws: TelegramError.rateLimited(method: "sendMessage", retryAfter: .seconds(1))) {
                try await client.sendMessage(chatID: 7, text: "again")
            }
            #expect(waits.all.count == 4, "three attempts in all: two more waits")
        }
    }

    @Test func aChatThatBlockedTheBotOrIsGoneFailsAsBlocked() async throws {
        try await TelegramHarness.withFake { fake in
            let client = try TelegramHarness.client(fake)
            fake.failNext("sendMessage", with: .blocked)
            await #expect(throws: TelegramError.blocked(chatID: 41)) { try await client.sendMessage(chatID: 41, text: "hi") }
            fake.failNext("sendMessage", with: .chatNotFound)
            await #expect(throws: TelegramError.blocked(chatID: 42)) { try await client.sendMessage(chatID: 42, text: "hi") }
            fake.block(chatID: 43)
            await #expect(throws: TelegramError.blocked(chatID: 43)) {
                try await client.sendPhoto(chatID: 43, photo: TelegramHarness.png, filename: "a.png")
            }
            #expect(fake.sent.isEmpty)
        }
    }

    @Test func photosAreUploadedAsMultipartFormData() async throws {
        try await TelegramHarness.withFake { fake in
            let client = try TelegramHarness.client(fake)
            let message = try await client.sendPhoto(
                chatID: 99, photo: TelegramHarness.png, filename: "weekly \"report\".png", caption: "*Revenue*\nDown 20%")
            #expect(message.chat.id == 99)
            let sent = try #require(fake.sent.first)
            #expect(sent.method == "sendPhoto" && sent.chatID == 99)
            #expect(sent.photo == TelegramHarness.png, "the bytes arrive unchanged, CRLF and dashes included")
            #expect(sent.photoContentType == "image/png")
            #expect(sent.photoFilename == "weekly__report_.png", "quotes cannot break the part's header")
            #expect(sent.caption == "*Revenue*\nDown 20%" && sent.parseMode == "Markdown")
        }
    }

    @Test func getUpdatesConfirmsByOffsetAndLongPolls() async throws {
        try await TelegramHarness.withFake { fake in
            let client = try TelegramHarness.client(fake)
            let first = fake.pushMessage(chatID: 5, text: "/start")
            let queryID = fake.pushCallback(chatID: 5, data: "run:abc")
            let updates = try await client.getUpdates(offset: nil, timeout: 0)
            #expect(updates.map(\.updateID) == [first, first + 1])
            #expect(updates.first?.message?.text == "/start" && updates.first?.message?.chat.id == 5)
            #expect(updates.last?.callbackQuery?.id == queryID && updates.last?.callbackQuery?.data == "run:abc")
            #expect(updates.last?.callbackQuery?.message?.chat.id == 5)

            #expect(try await client.getUpdates(offset: first + 2, timeout: 0).isEmpty, "an offset confirms what came before")
            #expect(fake.pendingUpdateJSON(first) == nil)

            // A long poll answers as soon as an update arrives, long before its timeout.
            let started = ContinuousClock.now
            async let waiting = client.getUpdates(offset: first + 2, timeout: 25)
            try await Task.sleep(for: .milliseconds(300))
            let third = fake.pushMessage(chatID: 5, text: "/help")
            let answered = try await waiting
            #expect(answered.map(\.updateID) == [third])
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func callbackAnswersAndWebhooksReachTheAPI() async throws {
        try await TelegramHarness.withFake { fake in
            let client = try TelegramHarness.client(fake)
            try await client.answerCallbackQuery(id: "q-1", text: "Running…")
            let url = try #require(URL(string: "https://analyst.example.com/api/telegram/webhook"))
            try await client.setWebhook(url: url, secretToken: "s3cret_token")
            #expect(fake.webhook?.url == url.absoluteString && fake.webhook?.secret == "s3cret_token")
            try await client.deleteWebhook()
            #expect(fake.webhook == nil)
            #expect(try await client.getMe().username == FakeTelegram.botUsername)
            #expect(fake.sent.map(\.method) == ["answerCallbackQuery", "setWebhook", "deleteWebhook", "getMe"])
            #expect(fake.sent.first?.callbackQueryID == "q-1" && fake.sent.first?.fields["text"] == "Running…")
        }
    }

    @Test func theTokenNeverReachesLogsErrorsOrDescriptions() async throws {
        try await TelegramHarness.withFake { fake in
            let logs = LogCapture()
            let secretHalf = String(fake.token.split(separator: ":")[1])
            var errors: [String] = []

            let client = try TelegramHarness.client(fake, logs: logs)
            fake.failNext("sendMessage", with: .tooManyRequests(retryAfter: 1))
            try await client.sendMessage(chatID: 1, text: "ok")
            fake.failNext("sendMessage", with: .status(400, "Bad Request: something about bot\(fake.token)/sendMessage"))
            do { try await client.sendMessage(chatID: 1, text: "x", parseMode: nil) } catch { errors.append("\(error)") }

            let wrong = try TelegramHarness.client(fake, logs: logs, token: "999:WRONG_token_value")
            do { try await wrong.sendMessage(chatID: 1, text: "x") } catch {
                #expect(error as? TelegramError == .invalidToken(api: fake.apiURL))
                errors.append("\(error)")
            }

            let closedPort = try FreePort.find()
            var unreachable = try TelegramHarness.settings(fake)
            unreachable.apiURL = try #require(URL(string: "http://127.0.0.1:\(closedPort)"))
            var nowhere = TelegramClient(settings: unreachable, logger: logs.logger(level: .trace))
            nowhere.requestTimeout = .seconds(2)
            do { try await nowhere.sendMessage(chatID: 1, text: "x") } catch {
                guard case .unreachable? = error as? TelegramError else {
                    Issue.record("expected .unreachable, got \(error)")
                    return
                }
                errors.append("\(error)")
            }

            let settings = try TelegramHarness.settings(fake)
            var dumped = ""
            dump(settings, to: &dumped)
            let shown = errors + logs.lines + ["\(settings)", String(reflecting: settings), dumped]
            #expect(errors.count == 3)
            #expect(logs.lines.contains { $0.contains(fake.apiURL) && $0.contains("sendMessage") }, "logs name the API and the method")
            for text in shown {
                #expect(!text.contains(fake.token) && !text.contains(secretHalf), "the token shows in: \(text.prefix(300))")
                #expect(!text.contains("WRONG_token_value"))
            }
        }
    }
}
