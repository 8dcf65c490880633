/// What went wrong talking to Telegram. Messages name the API by `scheme://host` and the method, never the URL
/// (it holds the bot token).
public enum TelegramError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is missing or malformed; the message names it.
    case invalidSetting(String)
    /// The chat blocked the bot, left, or no longer exists (403, or 400 `chat not found`): the caller unlinks it.
    case blocked(chatID: Int64)
    /// Telegram refused the token (401, or 404 for every method): `TELEGRAM_BOT_TOKEN` is wrong or revoked.
    case invalidToken(api: String)
    /// Still 429 after the retries; `retryAfter` is what Telegram asked for last.
    case rateLimited(method: String, retryAfter: Duration)
    /// Any other refusal, with Telegram's own description.
    case refused(method: String, status: Int, description: String)
    /// No answer: a connection failure or a timeout.
    case unreachable(api: String, method: String, reason: String)
    /// An answer that is not the Bot API's `{"ok":…}` envelope around the expected result.
    case invalidAnswer(method: String)

    public var description: String {
        switch self {
        case .invalidSetting(let message):
            return message
        case .blocked(let chatID):
            return "Telegram chat \(chatID) has blocked the bot or no longer exists"
        case .invalidToken(let api):
            return "Telegram at \(api) refused the bot token: check TELEGRAM_BOT_TOKEN"
        case .rateLimited(let method, let retryAfter):
            return "Telegram is still rate limiting \(method) (retry after \(retryAfter.components.seconds) s)"
        case .refused(let method, let status, let description):
            return "Telegram refused \(method) (HTTP \(status)): \(description)"
        case .unreachable(let api, let method, let reason):
            return "Telegram at \(api) could not be reached for \(method): \(reason)"
        case .invalidAnswer(let method):
            return "Telegram answered \(method) with something that is not a Bot API answer"
        }
    }
}
