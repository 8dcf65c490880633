import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Messaging
import TestSupport
import Testing

@testable import AnalystServer

/// Telegram through the server with a fake Bot API: the link flow from `/start` to `/status` buttons, a button run,
/// script notifications delivered to the linked chat, a blocked bot unlinking the chat, and the link routes' answers.
@Suite(.serialized) struct TelegramRouteTests {
    @Test func fromStartToButtonsToNotifications() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fake = try await FakeTelegram.start()
        let apiURL = try #require(URL(string: fake.apiURL))
        let dependencies = try await makeDependencies(in: directory) {
            $0.telegram = TelegramSettings(botToken: fake.token, apiURL: apiURL, instanceName: "Acme Analyst")
        }
        let users = dependencies.stores.users
        let ana = try await users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let asAna: HTTPFields = [.authorization: "Bearer \(try await dependencies.signIn.tokens.issue(for: ana, users: users))"]
        // The application's services run with the test router: the long-polling bot among them.
        #expect(dependencies.background.telegram?.poller != nil)
        let chat: Int64 = 4242

        try await buildApplication(dependencies: dependencies).test(.router) { client in
            // /start gives a code; the dashboard's verify links the chat.
            fake.pushMessage(chatID: chat, text: "/start")
            #expect(await fake.wait { $0.sent.contains { $0.chatID == chat && ($0.text ?? "").contains("verification code") } })
            let welcome = try #require(fake.sent.last { $0.chatID == chat }?.text)
            #expect(welcome.contains("Acme Analyst"))
            let code = try #require(welcome.firstMatch(of: /\d{6}/).map { String($0.output) })
            let wrong = try await client.post("/api/telegram/verify", json: #"{"code":"000000"}"#, headers: asAna)
            #expect(wrong.status == .badRequest)
            #expect(try jsonObject(wrong)["detail"] as? String == "Invalid or expired code")
            let linked = try await client.post("/api/telegram/verify", json: #"{"code":"\#(code)"}"#, headers: asAna)
            #expect(linked.status == .ok)
            #expect(try jsonObject(linked)["chat_id"] as? Int == Int(chat))
            let reused = try await client.post("/api/telegram/verify", json: #"{"code":"\#(code)"}"#, headers: asAna)
            #expect(reused.status == .badRequest, "a code works once")
            let status = try jsonObject(try await client.execute(uri: "/api/telegram/status", method: .get, headers: asAna))
            #expect(status["linked"] as? Bool == true && status["chat_id"] as? Int == Int(chat))

            // /status lists the user's scripts with Run buttons; a button runs it and the notification comes back.
            let source = """
                import json
                import matplotlib.pyplot as plt
                plt.plot([1, 2]); plt.savefig("/tmp/c.png")
                print(json.dumps({"notify": True, "title": "Orders", "message": "3 new orders", "image_path": "/tmp/c.png", "cooldown": "0m"}))
                """
            let deployed = try jsonObject(
                try await client.post(
                    "/api/scripts/deploy",
                    json: String(
                        decoding: try JSONSerialization.data(withJSONObject: ["name": "orders", "source": source]), as: UTF8.self),
                    headers: asAna))
            let id = try #require(deployed["id"] as? String)
            fake.pushMessage(chatID: chat, text: "/status")
            #expect(await fake.wait { $0.sent.contains { $0.chatID == chat && !$0.buttons.isEmpty } })
            let buttons = try #require(fake.sent.last { $0.chatID == chat && !$0.buttons.isEmpty }?.buttons)
            #expect(buttons.map(\.callbackData) == ["run:\(id)"])
            fake.pushCallback(chatID: chat, data: "run:\(id)")
            #expect(await fake.wait(timeout: .seconds(180)) { $0.sent.contains { $0.method == "sendPhoto" && $0.chatID == chat } })
            let photo = try #require(fake.sent.last { $0.method == "sendPhoto" })
            #expect((photo.caption ?? "").contains("3 new orders") && photo.photo.map(ScriptSandbox.isPNGOrJPEG) == true)
            let runs = try await dependencies.background.scripts.store.runs(scriptID: id, limit: 5)
            #expect(runs.first?.trigger == "telegram")
            #expect(fake.sent.filter { $0.method == "sendPhoto" }.count == 1, "the button's answer is the notification, sent once")

            // A run from elsewhere reaches the linked chat too.
            #expect(try await client.post("/api/scripts/\(id)/run", json: "{}", headers: asAna).status == .ok)
            #expect(await fake.wait(timeout: .seconds(180)) { $0.sent.filter { $0.method == "sendPhoto" }.count == 2 })

            // A chat that blocked the bot is unlinked at the next delivery.
            fake.block(chatID: chat)
            _ = try await client.post("/api/scripts/\(id)/run", json: "{}", headers: asAna)
            let after = try jsonObject(try await client.execute(uri: "/api/telegram/status", method: .get, headers: asAna))
            #expect(after["linked"] as? Bool == false)

            let unlinked = try jsonObject(try await client.post("/api/telegram/unlink", json: "{}", headers: asAna))
            #expect(unlinked["status"] as? String == "unlinked")
            let webhook = try await client.post("/api/telegram/webhook", json: #"{"update_id":1}"#)
            #expect(webhook.status == .notFound, "no webhook configured: refused")
        }
        await dependencies.close()
        await fake.stop()
    }
}
