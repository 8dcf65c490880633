import AnalystCore
import Foundation
import Logging
import Messaging
import Synchronization
import TestSupport
import Testing

/// Shared set-up of the Telegram tests: a fake Bot API per test, settings and clients pointing at it.
enum TelegramHarness {
    /// Runs `body` against a fresh fake and stops it afterwards, also when `body` throws.
    static func withFake(_ body: (FakeTelegram) async throws -> Void) async throws {
        let fake = try await FakeTelegram.start()
        do {
            try await body(fake)
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    static func settings(_ fake: FakeTelegram, token: String? = nil) throws -> TelegramSettings {
        TelegramSettings(
            botToken: token ?? fake.token, apiURL: try #require(URL(string: fake.apiURL)), botUsername: FakeTelegram.botUsername,
            instanceName: "Test_Instance", dashboardAddress: "https://analyst.example.com")
    }

    /// A client whose `retry_after` waits are recorded by `waits` (and last 10 ms).
    static func client(
        _ fake: FakeTelegram, logs: LogCapture = LogCapture(), waits: Waits = Waits(), token: String? = nil
    ) throws -> TelegramClient {
        var client = TelegramClient(settings: try settings(fake, token: token), logger: logs.logger(level: .trace), sleep: waits.sleep)
        client.requestTimeout = .seconds(20)
        return client
    }

    /// Waits for `task` to finish, up to `timeout`; whether it did.
    static func finishes(_ task: Task<Void, any Error>, within timeout: Duration) async -> Bool {
        let done = Mutex(false)
        let watcher = Task {
            _ = await task.result
            done.withLock { $0 = true }
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !done.withLock({ $0 }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        watcher.cancel()
        return done.withLock { $0 }
    }

    /// A PNG signature followed by bytes a careless multipart parser would trip on.
    static let png =
        Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data("\r\n--x\r\n\r\n".utf8) + Data((0..<600).map { UInt8($0 % 256) })

    static func message(_ chatID: Int64, _ text: String, chatType: String = "private", updateID: Int64 = 1) -> Telegram.Update {
        Telegram.Update(
            updateID: updateID,
            message: Telegram.Message(
                messageID: updateID, from: Telegram.User(id: chatID, firstName: "Ana"), chat: Telegram.Chat(id: chatID, type: chatType),
                text: text))
    }

    static func press(_ chatID: Int64, _ data: String, chatType: String = "private", updateID: Int64 = 2) -> Telegram.Update {
        Telegram.Update(
            updateID: updateID,
            callbackQuery: Telegram.CallbackQuery(
                id: "q\(updateID)", from: Telegram.User(id: chatID, firstName: "Ana"),
                message: Telegram.Message(messageID: 9, chat: Telegram.Chat(id: chatID, type: chatType), text: "Your scripts"), data: data))
    }
}

/// Records the waits a client asked for instead of sleeping them.
final class Waits: Sendable {
    private let recorded = Mutex<[Duration]>([])

    var all: [Duration] { recorded.withLock { $0 } }

    var sleep: @Sendable (Duration) async throws -> Void {
        { [self] duration in
            recorded.withLock { $0.append(duration) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// The server's side of the bot, in memory: links, codes, scripts and the runs asked for.
actor FakeBackend: TelegramBotBackend {
    var linked: [Int64: TelegramUser] = [:]
    var scriptsByUser: [String: [TelegramScript]] = [:]
    var result: TelegramRunResult = .nothingToSend("nothing to report")
    var issuedCodes: [Int64: String] = [:]
    var runs: [(script: String, user: String)] = []
    var unlinked: [Int64] = []
    var lookups = 0

    func link(_ chatID: Int64, to user: TelegramUser) { linked[chatID] = user }
    func setScripts(_ scripts: [TelegramScript], of userID: String) { scriptsByUser[userID] = scripts }
    func setResult(_ result: TelegramRunResult) { self.result = result }

    func linkedUser(chatID: Int64) async throws -> TelegramUser? {
        lookups += 1
        return linked[chatID]
    }

    func issueLinkCode(chatID: Int64) async throws -> String {
        let code = String(123_456 + issuedCodes.count)
        issuedCodes[chatID] = code
        return code
    }

    func unlink(chatID: Int64) async throws -> Bool {
        unlinked.append(chatID)
        return linked.removeValue(forKey: chatID) != nil
    }

    func scripts(ofUser userID: String) async throws -> [TelegramScript] {
        scriptsByUser[userID] ?? []
    }

    func runScript(id: String, forUser userID: String) async throws -> TelegramRunResult {
        runs.append((id, userID))
        return result
    }
}
