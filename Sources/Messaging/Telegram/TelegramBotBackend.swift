import Foundation

/// What the bot needs from the server: links between chats and users, and the users' scripts. The server implements
/// it over `TelegramLinks` and the scripts sandbox; tests use a fake.
public protocol TelegramBotBackend: Sendable {
    /// The user linked to this chat, if any.
    func linkedUser(chatID: Int64) async throws -> TelegramUser?
    /// A fresh 6-digit code for the chat (older codes of the chat removed), valid 10 minutes.
    func issueLinkCode(chatID: Int64) async throws -> String
    /// Unlinks the chat; whether it was linked.
    func unlink(chatID: Int64) async throws -> Bool
    /// The user's scripts, for /status buttons.
    func scripts(ofUser userID: String) async throws -> [TelegramScript]
    /// Runs the user's script (by id) in the sandbox; what to send back. Must refuse a script the user does not own.
    func runScript(id: String, forUser userID: String) async throws -> TelegramRunResult
}

/// The account a chat is linked to.
public struct TelegramUser: Sendable, Equatable {
    public var id: String
    public var email: String
    public var name: String?

    public init(id: String, email: String, name: String? = nil) {
        self.id = id
        self.email = email
        self.name = name
    }
}

/// A deployed script, as /status lists it.
public struct TelegramScript: Sendable, Equatable {
    public var id: String
    public var name: String
    /// `every 15m`, `daily 07:30`, a cron expression; `nil` when it runs on demand only.
    public var schedule: String?

    public init(id: String, name: String, schedule: String? = nil) {
        self.id = id
        self.name = name
        self.schedule = schedule
    }
}

/// What a run from a button press gives the chat.
public enum TelegramRunResult: Sendable, Equatable {
    /// The script's notification (`notify: true`): its title, message and optional image (PNG or JPEG).
    case notification(title: String?, message: String, image: Data?)
    /// The script ran and chose not to notify; the text says so.
    case nothingToSend(String)
    /// The run failed; the text says why (shown to the script's owner).
    case failed(String)
}
