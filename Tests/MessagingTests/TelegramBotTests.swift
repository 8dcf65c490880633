import Foundation
import Messaging
import TestSupport
import Testing

/// The bot's conversation against the fake Bot API and an in-memory backend.
@Suite struct TelegramBotTests {
    static let ana = TelegramUser(id: "u-ana", email: "ana_b@example.com", name: "Ana *B*")

    func withBot(_ body: (TelegramBot, FakeBackend, FakeTelegram) async throws -> Void) async throws {
        try await TelegramHarness.withFake { fake in
            let backend = FakeBackend()
            let logs = LogCapture()
            let bot = TelegramBot(client: try TelegramHarness.client(fake, logs: logs), backend: backend, logger: logs.logger())
            try await body(bot, backend, fake)
        }
    }

    @Test func startGivesACodeAndALinkedChatIsToldWhoItIs() async throws {
        try await withBot { bot, backend, fake in
            await bot.handle(TelegramHarness.message(70, "/start"))
            let code = try #require(await backend.issuedCodes[70])
            let welcome = try #require(fake.sent.last)
            #expect(welcome.chatID == 70 && welcome.parseMode == "Markdown")
            #expect(
                welcome.text == """
                    Welcome to Test\\_Instance Notifications!

                    Your verification code: *\(code)*

                    Enter this code on your dashboard at https://analyst.example.com
                    Code expires in 10 minutes.
                    """)

            await backend.link(70, to: Self.ana)
            await bot.handle(TelegramHarness.message(70, "/start"))
            #expect(fake.sent.last?.text == "You are already linked as *ana*\\_*b@example.com*.")
            await bot.handle(TelegramHarness.message(70, "/whoami"))
            #expect(fake.sent.last?.text == "*Ana *\\**B*\\*\nana\\_b@example.com")
            #expect(fake.calls.allSatisfy { $0.status == 200 }, "escaped names and emails parse as Markdown the first time")
        }
    }

    @Test func statusListsTheScriptsWithRunButtonsAndAPressRunsOne() async throws {
        try await withBot { bot, backend, fake in
            await backend.link(71, to: Self.ana)
            await backend.setScripts(
                [
                    TelegramScript(id: "s-1", name: "revenue_drop", schedule: "daily 07:30"),
                    TelegramScript(id: "s-2", name: "freshness", schedule: nil),
                    TelegramScript(id: String(repeating: "x", count: 70), name: "too long an id"),
                ], of: Self.ana.id)
            await bot.handle(TelegramHarness.message(71, "/status"))
            let status = try #require(fake.sent.last)
            #expect(status.status == 200 && status.parseMode == "Markdown")
            #expect(status.text?.contains("revenue\\_drop — daily 07:30") == true)
            #expect(status.text?.contains("freshness — on demand") == true)
            #expect(status.buttons.map(\.text) == ["Run revenue_drop", "Run freshness"], "no button whose data Telegram would refuse")
            #expect(status.buttons.map(\.callbackData) == ["run:s-1", "run:s-2"])

            await backend.setResult(.notification(title: "Revenue_down", message: "Down 20% vs last week", image: TelegramHarness.png))
            await bot.handle(TelegramHarness.press(71, "run:s-1"))
            let runs = await backend.runs
            #expect(runs.map(\.script) == ["s-1"] && runs.map(\.user) == [Self.ana.id])
            let answered = fake.sent.filter { $0.method == "answerCallbackQuery" }
            #expect(answered.map(\.callbackQueryID) == ["q2"])
            let photo = try #require(fake.sent.last)
            #expect(photo.method == "sendPhoto" && photo.chatID == 71)
            #expect(photo.photo == TelegramHarness.png)
            #expect(photo.caption == "*Revenue*\\_*down*\nDown 20% vs last week")

            await backend.setResult(.notification(title: nil, message: "All fresh", image: nil))
            await bot.handle(TelegramHarness.press(71, "run:s-2", updateID: 3))
            #expect(fake.sent.last?.method == "sendMessage" && fake.sent.last?.text == "All fresh")

            await backend.setResult(.failed("exit code 1"))
            await bot.handle(TelegramHarness.press(71, "run:s-2", updateID: 4))
            #expect(fake.sent.last?.text == "*freshness* failed: exit code 1")
        }
    }

    @Test func aPressRunsNothingForAnUnlinkedChatOrAnotherUsersScript() async throws {
        try await withBot { bot, backend, fake in
            await bot.handle(TelegramHarness.press(72, "run:s-1"))
            #expect(fake.sent.last?.text?.hasPrefix("This chat is not linked") == true)

            await backend.link(72, to: Self.ana)
            await backend.setScripts([TelegramScript(id: "s-1", name: "mine")], of: Self.ana.id)
            await backend.setScripts([TelegramScript(id: "s-9", name: "theirs")], of: "u-other")
            await bot.handle(TelegramHarness.press(72, "run:s-9"))
            #expect(fake.sent.last?.text == "That script no longer exists. Send /status for the current list.")
            #expect(await backend.runs.isEmpty)
            #expect(fake.sent.filter { $0.method == "answerCallbackQuery" }.count == 2, "every press is answered")
        }
    }

    @Test func unknownCommandsAndPlainTextGetTheReferenceAnswer() async throws {
        try await withBot { bot, _, fake in
            await bot.handle(TelegramHarness.message(73, "/frobnicate"))
            await bot.handle(TelegramHarness.message(73, "hello there"))
            #expect(fake.sent.map(\.text) == Array(repeating: "Unknown command. Type /help for available commands.", count: 2))
            await bot.handle(TelegramHarness.message(73, "/help"))
            #expect(fake.sent.last?.text?.contains("/unlink - stop notifications in this chat") == true)
            // Addressed to another bot in the same chat: not ours to answer.
            await bot.handle(TelegramHarness.message(73, "/help@some_other_bot"))
            await bot.handle(TelegramHarness.message(73, "/help@\(FakeTelegram.botUsername)"))
            #expect(fake.sent.count == 4)
        }
    }

    @Test func unlinkAndGroupChats() async throws {
        try await withBot { bot, backend, fake in
            await backend.link(74, to: Self.ana)
            await bot.handle(TelegramHarness.message(74, "/unlink"))
            #expect(fake.sent.last?.text?.hasPrefix("This chat is unlinked") == true)
            #expect(await backend.linked[74] == nil)
            await bot.handle(TelegramHarness.message(74, "/unlink"))
            #expect(fake.sent.last?.text == "This chat was not linked to an account.")

            let lookups = await backend.lookups
            await bot.handle(TelegramHarness.message(-100, "/status", chatType: "group"))
            #expect(fake.sent.last?.text?.hasPrefix("I only work in a private chat") == true)
            await bot.handle(TelegramHarness.press(-100, "run:s-1", chatType: "group"))
            #expect(fake.sent.last?.method == "answerCallbackQuery")
            #expect(fake.sent.last?.fields["text"] == "Scripts run from a private chat only.")
            #expect(await backend.lookups == lookups, "a group chat never reaches the links or the scripts")
            #expect(await backend.runs.isEmpty)
        }
    }

    @Test func aChatThatBlockedTheBotIsUnlinked() async throws {
        try await withBot { bot, backend, fake in
            await backend.link(75, to: Self.ana)
            fake.block(chatID: 75)
            await bot.handle(TelegramHarness.message(75, "/help"))
            #expect(await backend.unlinked == [75])
            #expect(await backend.linked[75] == nil)

            await backend.link(76, to: Self.ana)
            fake.failNext("sendPhoto", with: .blocked)
            await #expect(throws: TelegramError.blocked(chatID: 76)) {
                try await bot.send(TelegramNotification(title: "T", message: "m", image: TelegramHarness.png), toChat: 76)
            }
            #expect(await backend.unlinked == [75, 76])
        }
    }

    @Test func notificationsGoAsPhotoOrTextAndARefusedImageFallsBackToText() async throws {
        try await withBot { bot, _, fake in
            try await bot.send(TelegramNotification(title: "Daily [report]", message: "All *good*"), toChat: 80)
            #expect(fake.sent.last?.text == "*Daily *\\[*report]*\nAll *good*")
            fake.failNext("sendPhoto", with: .status(400, "Bad Request: IMAGE_PROCESS_FAILED"))
            try await bot.send(TelegramNotification(title: nil, message: "with a broken image", image: Data([1, 2, 3])), toChat: 80)
            #expect(fake.sent.last?.method == "sendMessage" && fake.sent.last?.text == "with a broken image")
        }
    }
}
