import Foundation
import Logging

/// The bot's conversation: turns one update into replies, links and script runs (reference §6.2).
///
/// Commands: `/start` (a link code, or who the chat is linked to), `/whoami`, `/status` (the user's scripts with
/// "Run" buttons), `/unlink`, `/help`; anything else is answered with the unknown-command text. A button press
/// `run:<script id>` runs the linked user's script through the backend and sends its notification. Only private
/// chats are served: in a group, anyone could press a button that runs the linked user's script.
///
/// When Telegram says a chat blocked the bot (or is gone), the chat is unlinked through the backend.
public struct TelegramBot: Sendable {
    public let client: TelegramClient
    public let backend: any TelegramBotBackend
    let logger: Logger

    /// The prefix of a button's `callback_data` that runs a script.
    public static let runPrefix = "run:"
    /// The most "Run" buttons one /status shows.
    public static let buttonLimit = 50

    public init(client: TelegramClient, backend: any TelegramBotBackend, logger: Logger) {
        self.client = client
        self.backend = backend
        self.logger = logger
    }

    var settings: TelegramSettings { client.settings }

    // MARK: - Updates

    /// Handles one update; never throws (failures are logged, and the chat is told when it helps).
    public func handle(_ update: Telegram.Update) async {
        if let query = update.callbackQuery {
            await handle(query)
        } else if let message = update.message, let text = message.text {
            await handle(text: text, in: message.chat)
        }
    }

    private func handle(text: String, in chat: Telegram.Chat) async {
        let words = text.trimmingCharacters(in: .whitespacesAndNewlines).split(whereSeparator: \.isWhitespace)
        var command = words.first.map { $0.lowercased() } ?? ""
        if command.hasPrefix("/"), let at = command.firstIndex(of: "@") {
            let addressee = command[command.index(after: at)...]
            // In a group, `/start@other_bot` is for another bot.
            if let username = settings.botUsername, addressee != username.lowercased() { return }
            command = String(command[..<at])
        }
        guard chat.isPrivate else {
            if command.hasPrefix("/") {
                await reply(chat.id, "I only work in a private chat: open a chat with me and send /start there.")
            }
            return
        }
        do {
            switch command {
            case "/start": try await start(chat.id)
            case "/whoami": try await whoami(chat.id)
            case "/status": try await status(chat.id)
            case "/unlink": try await unlink(chat.id)
            case "/help": await reply(chat.id, TelegramBot.help)
            default: await reply(chat.id, "Unknown command. Type /help for available commands.")
            }
        } catch {
            logger.error("Telegram command failed", metadata: ["command": "\(command)", "error": "\(error)"])
            await reply(chat.id, "Something went wrong on the server; please try again later.")
        }
    }

    static let help = """
        *Commands*
        /start - link this chat to your account (you get a code for the dashboard)
        /status - your scripts, with buttons to run them
        /whoami - the account this chat is linked to
        /unlink - stop notifications in this chat
        /help - this list
        """

    private func start(_ chatID: Int64) async throws {
        if let user = try await backend.linkedUser(chatID: chatID) {
            await reply(chatID, "You are already linked as \(TelegramMarkdown.bold(user.email)).")
            return
        }
        let code = try await backend.issueLinkCode(chatID: chatID)
        await reply(
            chatID,
            """
            Welcome to \(TelegramMarkdown.escape(settings.instanceName)) Notifications!

            Your verification code: *\(code)*

            Enter this code on your dashboard at \(TelegramMarkdown.escape(settings.dashboardAddress))
            Code expires in 10 minutes.
            """)
    }

    private func whoami(_ chatID: Int64) async throws {
        guard let user = try await backend.linkedUser(chatID: chatID) else {
            await reply(chatID, notLinked)
            return
        }
        let name = user.name.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } ?? user.email
        await reply(chatID, TelegramMarkdown.bold(name) + "\n" + TelegramMarkdown.escape(user.email))
    }

    private func status(_ chatID: Int64) async throws {
        guard let user = try await backend.linkedUser(chatID: chatID) else {
            await reply(chatID, notLinked)
            return
        }
        let scripts = try await backend.scripts(ofUser: user.id)
        guard !scripts.isEmpty else {
            await reply(chatID, "You have no scripts yet. Deploy one with `da scripts deploy FILE`.")
            return
        }
        var lines = ["*Your scripts*"]
        var buttons: [[Telegram.InlineKeyboardButton]] = []
        for script in scripts {
            let schedule = script.schedule.map { TelegramMarkdown.escape($0) } ?? "on demand"
            lines.append("• " + TelegramMarkdown.escape(script.name) + " — " + schedule)
            let data = TelegramBot.runPrefix + script.id
            guard buttons.count < TelegramBot.buttonLimit, data.utf8.count <= Telegram.InlineKeyboardButton.callbackDataLimit else {
                continue
            }
            buttons.append([.init(text: TelegramClient.cut("Run " + script.name, limit: 64), callbackData: data)])
        }
        await reply(chatID, lines.joined(separator: "\n"), markup: buttons.isEmpty ? nil : .init(inlineKeyboard: buttons))
    }

    private func unlink(_ chatID: Int64) async throws {
        let wasLinked = try await backend.unlink(chatID: chatID)
        await reply(
            chatID,
            wasLinked
                ? "This chat is unlinked: it gets no more notifications. Send /start to link it again."
                : "This chat was not linked to an account.")
    }

    private var notLinked: String {
        "This chat is not linked to an account yet. Send /start to get a code, then enter it on your dashboard at "
            + TelegramMarkdown.escape(settings.dashboardAddress) + "."
    }

    // MARK: - Buttons

    private func handle(_ query: Telegram.CallbackQuery) async {
        let chat = query.message?.chat ?? Telegram.Chat(id: query.from.id)
        guard let data = query.data, data.hasPrefix(TelegramBot.runPrefix) else {
            await answer(query, "This button does nothing any more.")
            return
        }
        guard chat.isPrivate else {
            await answer(query, "Scripts run from a private chat only.")
            return
        }
        let scriptID = String(data.dropFirst(TelegramBot.runPrefix.count))
        do {
            guard let user = try await backend.linkedUser(chatID: chat.id) else {
                await answer(query, nil)
                await reply(chat.id, notLinked)
                return
            }
            guard let script = try await backend.scripts(ofUser: user.id).first(where: { $0.id == scriptID }) else {
                await answer(query, "That script is gone.")
                await reply(chat.id, "That script no longer exists. Send /status for the current list.")
                return
            }
            await answer(query, TelegramClient.cut("Running \(script.name)…", limit: 200))
            switch try await backend.runScript(id: script.id, forUser: user.id) {
            case .notification(let title, let message, let image):
                try await send(TelegramNotification(title: title, message: message, image: image), toChat: chat.id)
            case .nothingToSend(let note):
                await reply(chat.id, TelegramMarkdown.bold(script.name) + ": " + TelegramMarkdown.escape(note))
            case .failed(let reason):
                await reply(chat.id, TelegramMarkdown.bold(script.name) + " failed: " + TelegramMarkdown.escape(reason))
            }
        } catch TelegramError.blocked {
            // `send` has unlinked the chat already.
        } catch {
            logger.error("Telegram script run failed", metadata: ["script": "\(scriptID)", "error": "\(error)"])
            await reply(chat.id, "The script could not be run; please try again later.")
        }
    }

    // MARK: - Sending

    /// Delivers a script's notification to a chat: a photo with `*title*\nmessage` as its caption when there is an
    /// image (text when Telegram refuses the image), else a message. Throws `TelegramError`; on `.blocked` the chat
    /// has been unlinked through the backend before the error is thrown.
    public func send(_ notification: TelegramNotification, toChat chatID: Int64) async throws {
        do throws(TelegramError) {
            if let image = notification.image, try await sendPhoto(image, notification, chatID) { return }
            try await client.sendMessage(chatID: chatID, text: notification.text)
        } catch {
            if case .blocked(let chatID) = error { await unlinkBlocked(chatID) }
            throw error
        }
    }

    /// Sends the photo; `false` when Telegram refused the image itself (the caller sends the text instead).
    private func sendPhoto(_ image: Data, _ notification: TelegramNotification, _ chatID: Int64) async throws(TelegramError) -> Bool {
        do throws(TelegramError) {
            try await client.sendPhoto(chatID: chatID, photo: image, filename: notification.imageFilename, caption: notification.text)
            return true
        } catch {
            guard case .refused(_, let status, _) = error, status == 400 || status == 413 else { throw error }
            logger.warning("Telegram refused a notification's image; sending the text alone", metadata: ["status": "\(status)"])
            return false
        }
    }

    /// Sends `text` as Markdown; a failure is logged (a blocked chat is unlinked), never thrown.
    private func reply(_ chatID: Int64, _ text: String, markup: Telegram.InlineKeyboardMarkup? = nil) async {
        do throws(TelegramError) {
            try await client.sendMessage(chatID: chatID, text: text, replyMarkup: markup)
        } catch {
            if case .blocked(let chatID) = error {
                await unlinkBlocked(chatID)
            } else {
                logger.warning("Telegram reply failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func answer(_ query: Telegram.CallbackQuery, _ text: String?) async {
        do {
            try await client.answerCallbackQuery(id: query.id, text: text)
        } catch {
            logger.info("Telegram callback answer failed", metadata: ["error": "\(error)"])
        }
    }

    private func unlinkBlocked(_ chatID: Int64) async {
        do {
            let wasLinked = try await backend.unlink(chatID: chatID)
            logger.notice("Telegram chat blocked the bot; unlinked", metadata: ["chat_id": "\(chatID)", "was_linked": "\(wasLinked)"])
        } catch {
            logger.error(
                "Telegram chat blocked the bot but could not be unlinked", metadata: ["chat_id": "\(chatID)", "error": "\(error)"])
        }
    }
}
