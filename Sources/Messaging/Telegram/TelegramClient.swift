import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The Bot API methods the bot uses, over HTTPS (`POST <api>/bot<token>/<method>`), following no redirect.
///
/// Texts longer than Telegram accepts are cut as the reference cut them (4096 for a message, 1024 for a caption, the
/// last three characters becoming `...`). A Markdown text Telegram cannot parse is sent again as plain text. 429 is
/// retried after Telegram's `retry_after` (capped by `maxRetryAfter`), `rateLimitAttempts` times in all; a chat that
/// blocked the bot or is gone fails with `TelegramError.blocked` so that the caller unlinks it.
///
/// The token is part of every URL, so neither URLs nor transport errors are logged or thrown as they are: logs and
/// errors name `scheme://host` and the method, and any text that could hold the token is redacted first.
public struct TelegramClient: Sendable {
    public let settings: TelegramSettings
    let http: HTTPClient
    let logger: Logger
    let sleep: @Sendable (Duration) async throws -> Void
    /// Calls made in all when Telegram keeps answering 429 (the first and the retries).
    public var rateLimitAttempts = 3
    /// The longest wait for one `retry_after`; a longer request is shortened to this.
    public var maxRetryAfter: Duration = .seconds(60)
    /// The longest a call other than `getUpdates` may take.
    public var requestTimeout: Duration = .seconds(30)

    /// Telegram's limit on a message's text, in UTF-16 code units.
    public static let messageLimit = 4096
    /// Telegram's limit on a photo's caption.
    public static let captionLimit = 1024
    /// Telegram's limit on a photo sent by upload.
    public static let photoLimit = 10 << 20

    /// A client that follows no redirect (the token must only ever reach the configured API).
    public static let noRedirects = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// `sleep` waits out a `retry_after` (tests pass one that records the wait).
    public init(
        settings: TelegramSettings, logger: Logger, http: HTTPClient = TelegramClient.noRedirects,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.settings = settings
        self.logger = logger
        self.http = http
        self.sleep = sleep
    }

    // MARK: - Methods

    /// The bot's own account (a cheap check that the token works).
    public func getMe() async throws(TelegramError) -> Telegram.User {
        try await call("getMe", .json(Data("{}".utf8)))
    }

    /// Updates from `offset` on (the last update's id + 1 confirms everything before it), waiting up to `timeout`
    /// seconds for one to arrive (long polling). The HTTP request may take `timeout` plus a margin.
    public func getUpdates(offset: Int64?, timeout: Int) async throws(TelegramError) -> [Telegram.Update] {
        let timeout = max(0, timeout)
        let body = GetUpdates(offset: offset, timeout: timeout, allowedUpdates: ["message", "callback_query"])
        return try await call("getUpdates", .json(TelegramClient.json(body)), timeout: .seconds(timeout + 15))
    }

    /// Sends `text` (cut to 4096), with Markdown by default; sent again without `parseMode` when Telegram cannot parse it.
    @discardableResult
    public func sendMessage(
        chatID: Int64, text: String, parseMode: Telegram.ParseMode? = .markdown, replyMarkup: Telegram.InlineKeyboardMarkup? = nil
    ) async throws(TelegramError) -> Telegram.Message {
        let text = TelegramClient.cut(text, limit: TelegramClient.messageLimit)
        func send(_ parseMode: Telegram.ParseMode?) async throws(TelegramError) -> Telegram.Message {
            let body = SendMessage(chatID: chatID, text: text, parseMode: parseMode, replyMarkup: replyMarkup)
            return try await call("sendMessage", .json(TelegramClient.json(body)), chatID: chatID)
        }
        do throws(TelegramError) {
            return try await send(parseMode)
        } catch {
            guard parseMode != nil, TelegramClient.isEntityError(error) else { throw error }
            logger.info("Telegram could not parse the message's markup; sending it as plain text", metadata: metadata("sendMessage"))
            return try await send(nil)
        }
    }

    /// Uploads `photo` (PNG or JPEG, at most 10 MB) as multipart/form-data with `caption` (cut to 1024); sent again
    /// without `parseMode` when Telegram cannot parse the caption.
    @discardableResult
    public func sendPhoto(
        chatID: Int64, photo: Data, filename: String, caption: String? = nil, parseMode: Telegram.ParseMode? = .markdown
    ) async throws(TelegramError) -> Telegram.Message {
        guard photo.count <= TelegramClient.photoLimit else {
            throw .refused(
                method: "sendPhoto", status: 413, description: "the photo is \(photo.count) bytes, over Telegram's 10 MB limit")
        }
        let caption = caption.map { TelegramClient.cut($0, limit: TelegramClient.captionLimit) }
        func send(_ parseMode: Telegram.ParseMode?) async throws(TelegramError) -> Telegram.Message {
            var fields = [("chat_id", String(chatID))]
            if let caption { fields.append(("caption", caption)) }
            if let parseMode, caption != nil { fields.append(("parse_mode", parseMode.rawValue)) }
            let form = MultipartForm(
                fields: fields,
                file: .init(
                    name: "photo", filename: TelegramClient.safeFilename(filename), contentType: TelegramClient.imageType(photo),
                    data: photo))
            return try await call("sendPhoto", .multipart(form), chatID: chatID)
        }
        do throws(TelegramError) {
            return try await send(parseMode)
        } catch {
            guard parseMode != nil, caption != nil, TelegramClient.isEntityError(error) else { throw error }
            logger.info("Telegram could not parse the caption's markup; sending it as plain text", metadata: metadata("sendPhoto"))
            return try await send(nil)
        }
    }

    /// Answers a button press (stops the client's spinner), optionally with a short notice.
    public func answerCallbackQuery(id: String, text: String? = nil) async throws(TelegramError) {
        let body = AnswerCallbackQuery(callbackQueryID: id, text: text.map { TelegramClient.cut($0, limit: 200) })
        let _: Bool = try await call("answerCallbackQuery", .json(TelegramClient.json(body)))
    }

    /// Asks Telegram to post updates to `url`, sending `secretToken` in `X-Telegram-Bot-Api-Secret-Token`.
    public func setWebhook(url: URL, secretToken: String) async throws(TelegramError) {
        let body = SetWebhook(url: url.absoluteString, secretToken: secretToken, allowedUpdates: ["message", "callback_query"])
        let _: Bool = try await call("setWebhook", .json(TelegramClient.json(body)))
    }

    /// Stops webhook delivery (long polling is refused with 409 while a webhook is set).
    public func deleteWebhook() async throws(TelegramError) {
        let _: Bool = try await call("deleteWebhook", .json(Data("{}".utf8)))
    }

    // MARK: - Texts

    /// `text` if it fits in `limit` UTF-16 code units (Telegram's measure), else its start and `...` within `limit`,
    /// never splitting a character.
    public static func cut(_ text: String, limit: Int) -> String {
        guard text.utf16.count > limit else { return text }
        var kept = ""
        var used = 0
        for character in text {
            let size = character.utf16.count
            guard used + size <= limit - 3 else { break }
            kept.append(character)
            used += size
        }
        return kept + "..."
    }

    /// Whether Telegram could not read the markup (400 `Bad Request: can't parse entities: …`).
    static func isEntityError(_ error: TelegramError) -> Bool {
        guard case .refused(_, 400, let description) = error else { return false }
        return description.lowercased().contains("can't parse")
    }

    static func imageType(_ data: Data) -> String {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        return "application/octet-stream"
    }

    /// A file name that cannot break the multipart header.
    static func safeFilename(_ name: String) -> String {
        let kept = String(
            name.unicodeScalars.map { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || ".-_".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            }.prefix(100))
        return kept.isEmpty || kept.allSatisfy({ $0 == "." }) ? "photo" : kept
    }

    // MARK: - HTTP

    enum Payload {
        case json(Data)
        case multipart(MultipartForm)
    }

    /// One method call: the result of a 200 `{"ok":true,"result":…}`; 429 is waited out and retried; other refusals
    /// throw. `chatID` turns a 403 (and 400 `chat not found`) into `.blocked`.
    func call<Result: Decodable>(
        _ method: String, _ payload: Payload, chatID: Int64? = nil, timeout: Duration? = nil
    ) async throws(TelegramError) -> Result {
        var attempt = 0
        while true {
            attempt += 1
            let (status, body) = try await post(method, payload, timeout: timeout ?? requestTimeout)
            let failure = try? JSONDecoder().decode(Failure.self, from: body)
            logger.debug("Telegram call", metadata: metadata(method, ["status": "\(status)", "attempt": "\(attempt)"]))
            if status == 200, failure?.ok == true {
                guard let result = (try? JSONDecoder().decode(Envelope<Result>.self, from: body))?.result else {
                    throw .invalidAnswer(method: method)
                }
                return result
            }
            let description = redacted(failure?.description ?? "HTTP \(status) without a Bot API answer")
            switch status {
            case 429:
                let asked = Duration.seconds(max(1, failure?.parameters?.retryAfter ?? 1))
                let wait = min(asked, maxRetryAfter)
                guard attempt < rateLimitAttempts else { throw .rateLimited(method: method, retryAfter: asked) }
                logger.warning(
                    "Telegram asks to slow down; waiting before retrying",
                    metadata: metadata(method, ["retry_after_seconds": "\(wait.components.seconds)"]))
                do {
                    try await sleep(wait)
                } catch {
                    throw .rateLimited(method: method, retryAfter: asked)
                }
            case 401:
                throw .invalidToken(api: settings.apiOrigin)
            case 404 where description == "Not Found":
                throw .invalidToken(api: settings.apiOrigin)
            case 403 where chatID != nil:
                throw .blocked(chatID: chatID ?? 0)
            case 400 where chatID != nil && description.lowercased().contains("chat not found"):
                throw .blocked(chatID: chatID ?? 0)
            default:
                logger.warning(
                    "Telegram refused a call", metadata: metadata(method, ["status": "\(status)", "description": "\(description)"]))
                throw .refused(method: method, status: status, description: description)
            }
        }
    }

    private func post(_ method: String, _ payload: Payload, timeout: Duration) async throws(TelegramError) -> (Int, Data) {
        var request = HTTPClientRequest(url: endpoint(method))
        request.method = .POST
        switch payload {
        case .json(let data):
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: data))
        case .multipart(let form):
            request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(form.boundary)")
            request.body = .bytes(ByteBuffer(data: form.encoded()))
        }
        do {
            let milliseconds = Int64(timeout / .milliseconds(1))
            let response = try await http.execute(request, timeout: .milliseconds(milliseconds))
            let body = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), Data(buffer: body))
        } catch {
            let reason = redacted(String(describing: error))
            logger.warning("Telegram could not be reached", metadata: metadata(method, ["error": "\(reason)"]))
            throw .unreachable(api: settings.apiOrigin, method: method, reason: reason)
        }
    }

    /// `<api>/bot<token>/<method>`: never logged, never put in an error.
    private func endpoint(_ method: String) -> String {
        var base = settings.apiURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/bot" + settings.botToken + "/" + method
    }

    /// `text` with the token (and its secret half) replaced, for anything that may have seen a URL.
    func redacted(_ text: String) -> String {
        var text = text.replacingOccurrences(of: settings.botToken, with: "<token>")
        if let secret = settings.botToken.split(separator: ":", maxSplits: 1).last, secret.count >= 8 {
            text = text.replacingOccurrences(of: secret, with: "<token>")
        }
        return text
    }

    private func metadata(_ method: String, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        extra.merging(["telegram_api": "\(settings.apiOrigin)", "telegram_method": "\(method)"]) { current, _ in current }
    }

    static func json(_ value: some Encodable) -> Data {
        (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
    }

    // MARK: - Wire

    struct Envelope<Result: Decodable>: Decodable {
        var ok: Bool
        var result: Result?
    }

    struct Failure: Decodable {
        var ok: Bool
        var description: String?
        var parameters: Parameters?

        struct Parameters: Decodable {
            var retryAfter: Int?

            enum CodingKeys: String, CodingKey {
                case retryAfter = "retry_after"
            }
        }
    }

    struct GetUpdates: Encodable {
        var offset: Int64?
        var timeout: Int
        var allowedUpdates: [String]

        enum CodingKeys: String, CodingKey {
            case offset, timeout
            case allowedUpdates = "allowed_updates"
        }
    }

    struct SendMessage: Encodable {
        var chatID: Int64
        var text: String
        var parseMode: Telegram.ParseMode?
        var replyMarkup: Telegram.InlineKeyboardMarkup?

        enum CodingKeys: String, CodingKey {
            case chatID = "chat_id"
            case text
            case parseMode = "parse_mode"
            case replyMarkup = "reply_markup"
        }
    }

    struct AnswerCallbackQuery: Encodable {
        var callbackQueryID: String
        var text: String?

        enum CodingKeys: String, CodingKey {
            case callbackQueryID = "callback_query_id"
            case text
        }
    }

    struct SetWebhook: Encodable {
        var url: String
        var secretToken: String
        var allowedUpdates: [String]

        enum CodingKeys: String, CodingKey {
            case url
            case secretToken = "secret_token"
            case allowedUpdates = "allowed_updates"
        }
    }
}
