import Foundation
import Messaging
import TestSupport
import Testing

/// Long polling and the webhook form against the fake Bot API.
@Suite struct TelegramPollerTests {
    func bot(_ fake: FakeTelegram, _ backend: FakeBackend, logs: LogCapture = LogCapture()) throws -> TelegramBot {
        TelegramBot(client: try TelegramHarness.client(fake, logs: logs), backend: backend, logger: logs.logger())
    }

    @Test func pollingAdvancesTheOffsetHandlesEachUpdateOnceAndStopsOnCancel() async throws {
        try await TelegramHarness.withFake { fake in
            let backend = FakeBackend()
            let poller = TelegramPoller(
                bot: try bot(fake, backend), logger: LogCapture().logger(), pollTimeout: 1, errorPause: .milliseconds(50))
            let first = fake.pushMessage(chatID: 90, text: "/help")
            let second = fake.pushMessage(chatID: 90, text: "/nope")
            let task = Task { try await poller.run() }

            #expect(await fake.wait { $0.sent.filter { $0.method == "sendMessage" }.count == 2 })
            let third = fake.pushMessage(chatID: 91, text: "/start")
            #expect(await fake.wait { $0.sent.filter { $0.method == "sendMessage" }.count == 3 })
            // Several more polls: nothing is handled twice.
            #expect(await fake.wait { $0.polls.count >= 4 })
            #expect(fake.sent.filter { $0.method == "sendMessage" }.map(\.chatID) == [90, 90, 91])
            #expect(await backend.issuedCodes.keys.sorted() == [91])

            let polls = fake.polls
            #expect(polls.first?.offset == nil)
            #expect(polls.contains { $0.offset == second + 1 })
            #expect(polls.last?.offset == third + 1)
            #expect(polls.flatMap(\.returned) == [first, second, third], "each update is returned once")
            #expect(polls.allSatisfy { $0.timeout == 1 })
            #expect(fake.calls.first?.method == "deleteWebhook", "a webhook left from webhook mode is removed first")

            task.cancel()
            #expect(await TelegramHarness.finishes(task, within: .seconds(20)))
        }
    }

    @Test func aLongPollInFlightIsAbandonedOnCancel() async throws {
        try await TelegramHarness.withFake { fake in
            let poller = TelegramPoller(bot: try bot(fake, FakeBackend()), logger: LogCapture().logger(), pollTimeout: 45)
            let task = Task { try await poller.run() }
            #expect(await fake.wait { $0.pollsInFlight == 1 })
            let cancelled = ContinuousClock.now
            task.cancel()
            #expect(await TelegramHarness.finishes(task, within: .seconds(30)))
            #expect(ContinuousClock.now - cancelled < .seconds(30), "it did not wait out the 45 s poll")
            #expect(fake.polls.isEmpty, "the poll in flight was not answered")
        }
    }

    @Test func afterAFailureItPausesAndPollsAgain() async throws {
        try await TelegramHarness.withFake { fake in
            let logs = LogCapture()
            fake.failNext("getUpdates", with: .status(409, "Conflict: terminated by other getUpdates request"))
            fake.failNext("getUpdates", with: .status(502, "Bad Gateway"))
            let poller = TelegramPoller(
                bot: try bot(fake, FakeBackend()), logger: logs.logger(), pollTimeout: 1, errorPause: .milliseconds(100))
            let task = Task { try await poller.run() }
            fake.pushMessage(chatID: 92, text: "/help")
            #expect(await fake.wait { $0.sent.contains { $0.method == "sendMessage" && $0.chatID == 92 } })
            #expect(fake.polls.prefix(2).allSatisfy { $0.returned.isEmpty })
            #expect(logs.lines.filter { $0.contains("getUpdates failed") }.count >= 2)
            task.cancel()
            #expect(await TelegramHarness.finishes(task, within: .seconds(20)))
        }
    }

    @Test func theWebhookRegistersChecksItsSecretAndHandsUpdatesToTheBot() async throws {
        try await TelegramHarness.withFake { fake in
            let url = try #require(URL(string: "https://analyst.example.com/api/telegram/webhook"))
            let webhook = TelegramWebhook(
                url: url, secret: "s3cret-Token_1", bot: try bot(fake, FakeBackend()), logger: LogCapture().logger(),
                errorPause: .milliseconds(50))
            #expect(webhook.verify(secretHeader: "s3cret-Token_1"))
            #expect(!webhook.verify(secretHeader: "s3cret-Token_2"))
            #expect(!webhook.verify(secretHeader: "s3cret"))
            #expect(!webhook.verify(secretHeader: ""))
            #expect(!webhook.verify(secretHeader: nil))

            fake.failNext("setWebhook", with: .status(500, "Internal Server Error"))
            let task = Task { try await webhook.run() }
            #expect(await fake.wait { $0.webhook?.url == url.absoluteString }, "registration is retried until it works")
            #expect(fake.webhook?.secret == "s3cret-Token_1")

            // An update as Telegram posts it.
            let id = fake.pushMessage(chatID: 93, text: "/help")
            let json = try #require(fake.pendingUpdateJSON(id))
            let update = try JSONDecoder().decode(Telegram.Update.self, from: Data(json.utf8))
            #expect(webhook.accept(update))
            #expect(await fake.wait { $0.sent.contains { $0.method == "sendMessage" && $0.chatID == 93 } })
            task.cancel()
            #expect(await TelegramHarness.finishes(task, within: .seconds(20)))
            #expect(!webhook.accept(update), "a stopped webhook takes no more")
        }
    }
}
