import Foundation
import Hummingbird
import Synchronization

/// Telegram's Bot API on 127.0.0.1, as the bot uses it: `POST /bot<token>/<method>` with a JSON body, or
/// multipart/form-data for `sendPhoto`, answering `{"ok":true,"result":…}` or
/// `{"ok":false,"error_code":…,"description":…[,"parameters":{"retry_after":…}]}`.
///
/// - `getUpdates` confirms the updates below `offset` and answers the rest, waiting up to `timeout` seconds for one
///   to be pushed (a real long poll: it answers as soon as an update arrives).
/// - `sendMessage` and `sendPhoto` check what Telegram checks: a chat id, a non-empty text of at most 4096 characters,
///   a caption of at most 1024, `callback_data` of at most 64 bytes, and legacy `Markdown` that parses (unclosed
///   `*`, `_` or `` ` `` answers 400 `can't parse entities`).
/// - `answerCallbackQuery`, `setWebhook`, `deleteWebhook` and `getMe` answer `true` (or the bot).
///
/// A wrong token answers 401 `Unauthorized`. Tests push updates (`pushMessage`, `pushCallback`), script failures
/// (`failNext`, `block`), and read every call (`calls`, `sent`, `polls`).
public final class FakeTelegram: Sendable {
    /// A failure to answer a method with, once per `failNext`.
    public enum Failure: Sendable, Equatable {
        /// 429 with `parameters.retry_after`.
        case tooManyRequests(retryAfter: Int)
        /// 403 `Forbidden: bot was blocked by the user`.
        case blocked
        /// 400 `Bad Request: chat not found`.
        case chatNotFound
        /// 400 `Bad Request: can't parse entities: …`.
        case cantParseEntities
        /// Any status with this description.
        case status(Int, String)
    }

    /// One call as received, with what the fake answered.
    public struct Call: Sendable {
        public var method: String
        /// The HTTP status the fake answered.
        public var status: Int
        /// Every form or JSON field as text (objects as JSON text).
        public var fields: [String: String]
        public var chatID: Int64?
        public var text: String?
        public var parseMode: String?
        /// `sendPhoto`'s uploaded bytes, file name and content type.
        public var photo: Data?
        public var photoFilename: String?
        public var photoContentType: String?
        public var caption: String?
        /// The JSON text of `reply_markup`.
        public var replyMarkup: String?
        public var callbackQueryID: String?

        /// The inline keyboard's buttons, row after row.
        public var buttons: [(text: String, callbackData: String?)] {
            guard let replyMarkup, let object = try? JSONSerialization.jsonObject(with: Data(replyMarkup.utf8)) as? [String: Any],
                let rows = object["inline_keyboard"] as? [[[String: Any]]]
            else { return [] }
            return rows.flatMap { $0 }.map { (text: $0["text"] as? String ?? "", callbackData: $0["callback_data"] as? String) }
        }
    }

    /// One `getUpdates`, with the ids it returned.
    public struct Poll: Sendable {
        public var offset: Int64?
        public var timeout: Int
        public var returned: [Int64]
    }

    struct Pending: Sendable {
        var id: Int64
        var json: String
    }

    struct Store {
        var updates: [Pending] = []
        var nextUpdateID: Int64 = 10_000
        var nextMessageID: Int64 = 500
        var nextCallbackID = 1
        var failures: [String: [Failure]] = [:]
        var blocked: Set<Int64> = []
        var calls: [Call] = []
        var polls: [Poll] = []
        var webhook: (url: String, secret: String?)?
        var pollsInFlight = 0
        var stopped = false
    }

    public let port: Int
    public let token: String
    /// The base URL to give the client as `TELEGRAM_API_URL`.
    public var apiURL: String { "http://127.0.0.1:\(port)" }
    /// The bot's own id and name (`getMe`).
    public static let botID: Int64 = 424_242
    public static let botUsername = "fake_analyst_bot"

    let state: State
    private let task: Task<Void, any Error>

    /// Starts the fake on a free port; `token` is the only token it accepts.
    public static func start(token: String = "123456:FAKE-\(UUID().uuidString.prefix(8))_token") async throws -> FakeTelegram {
        let state = State(token: token)
        let router = Router()
        router.post(":bot/:method") { request, context in
            try await state.handle(request, bot: context.parameters.get("bot") ?? "", method: context.parameters.get("method") ?? "")
        }
        let (port, task) = try await LocalHTTPServer.start(router, label: "fake-telegram")
        return FakeTelegram(port: port, token: token, state: state, task: task)
    }

    private init(port: Int, token: String, state: State, task: Task<Void, any Error>) {
        self.port = port
        self.token = token
        self.state = state
        self.task = task
    }

    /// Stops the server; long polls in flight answer at once.
    public func stop() async {
        state.store.withLock { $0.stopped = true }
        task.cancel()
        _ = await task.result
    }

    // MARK: - Pushing updates

    /// Queues a text message from a user in `chatID` (a private chat unless `chatType` says otherwise); returns the
    /// update's id.
    @discardableResult
    public func pushMessage(chatID: Int64, text: String, chatType: String = "private", fromID: Int64? = nil) -> Int64 {
        state.store.withLock { store in
            let id = store.nextUpdateID
            store.nextUpdateID += 1
            store.nextMessageID += 1
            let message: [String: Any] = [
                "message_id": store.nextMessageID, "date": Int(Date().timeIntervalSince1970),
                "from": FakeTelegram.user(fromID ?? chatID), "chat": FakeTelegram.chat(chatID, type: chatType), "text": text,
            ]
            store.updates.append(Pending(id: id, json: FakeTelegram.json(["update_id": id, "message": message])))
            return id
        }
    }

    /// Queues a press on an inline button with `data` under a bot message in `chatID`; returns the callback query's id.
    @discardableResult
    public func pushCallback(chatID: Int64, data: String, chatType: String = "private", fromID: Int64? = nil) -> String {
        state.store.withLock { store in
            let id = store.nextUpdateID
            store.nextUpdateID += 1
            let queryID = "cbq-\(store.nextCallbackID)"
            store.nextCallbackID += 1
            let message: [String: Any] = [
                "message_id": store.nextMessageID, "date": Int(Date().timeIntervalSince1970),
                "from": ["id": FakeTelegram.botID, "is_bot": true, "first_name": "Fake", "username": FakeTelegram.botUsername],
                "chat": FakeTelegram.chat(chatID, type: chatType), "text": "Your scripts",
            ]
            let query: [String: Any] = [
                "id": queryID, "from": FakeTelegram.user(fromID ?? chatID), "message": message, "chat_instance": "ci-\(chatID)",
                "data": data,
            ]
            store.updates.append(Pending(id: id, json: FakeTelegram.json(["update_id": id, "callback_query": query])))
            return queryID
        }
    }

    /// The JSON of an update as `getUpdates` would give it (for posting to a webhook); `nil` once confirmed.
    public func pendingUpdateJSON(_ id: Int64) -> String? {
        state.store.withLock { store in store.updates.first { $0.id == id }?.json }
    }

    // MARK: - Failures

    /// The next `times` calls of `method` fail with `failure` (after the ones already queued).
    public func failNext(_ method: String, with failure: Failure, times: Int = 1) {
        state.store.withLock { $0.failures[method, default: []] += Array(repeating: failure, count: times) }
    }

    /// Every send to `chatID` answers 403 from now on, as after the user blocked the bot.
    public func block(chatID: Int64) {
        _ = state.store.withLock { $0.blocked.insert(chatID) }
    }

    // MARK: - What was received

    /// Every call but `getUpdates`, including refused ones.
    public var calls: [Call] { state.store.withLock { $0.calls } }

    /// The calls answered 200 (what reached the chats).
    public var sent: [Call] { state.store.withLock { $0.calls.filter { $0.status == 200 } } }

    /// Every `getUpdates` answered so far.
    public var polls: [Poll] { state.store.withLock { $0.polls } }

    /// The `getUpdates` calls waiting for an update right now.
    public var pollsInFlight: Int { state.store.withLock { $0.pollsInFlight } }

    /// The webhook set by `setWebhook` (`nil` after `deleteWebhook`).
    public var webhook: (url: String, secret: String?)? { state.store.withLock { $0.webhook } }

    /// Waits (polling every 20 ms, up to `timeout`) until `condition` holds for the fake; whether it did. The default is
    /// long because it only runs out when a test fails: while every suite starts at once, 30 s was not always enough.
    public func wait(timeout: Duration = .seconds(120), until condition: (FakeTelegram) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self)
    }

    // MARK: - JSON

    static func user(_ id: Int64) -> [String: Any] {
        ["id": id, "is_bot": false, "first_name": "User \(id)", "username": "user\(id)"]
    }

    static func chat(_ id: Int64, type: String) -> [String: Any] {
        type == "private" ? ["id": id, "type": type, "first_name": "User \(id)"] : ["id": id, "type": type, "title": "Group \(id)"]
    }

    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
