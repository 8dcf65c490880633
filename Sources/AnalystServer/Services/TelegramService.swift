import AnalystCore
import Foundation
import Logging
import Messaging

/// The Telegram bot wired to this server: its backend (links, the linked user's scripts, runs in the sandbox), the
/// channel script notifications are delivered through, and the service that receives updates (long polling, or the
/// webhook when `telegram.webhook_url` is set).
public struct TelegramServices: Sendable {
    public let bot: TelegramBot
    public let links: TelegramLinks
    /// Set in webhook mode; the webhook route hands it updates.
    public let webhook: TelegramWebhook?
    let poller: TelegramPoller?

    init(settings: TelegramSettings, links: TelegramLinks, users: UserRepository, runner: ScriptRunner, logger: Logger) {
        let backend = ServerTelegramBackend(links: links, users: users, runner: runner)
        let bot = TelegramBot(client: TelegramClient(settings: settings, logger: logger), backend: backend, logger: logger)
        self.bot = bot
        self.links = links
        self.webhook = TelegramWebhook(bot: bot, logger: logger)
        self.poller = webhook == nil ? TelegramPoller(bot: bot, logger: logger) : nil
        runner.addSink(TelegramNotificationSink(bot: bot, links: links, logger: logger))
    }
}

/// What the bot asks of the server.
struct ServerTelegramBackend: TelegramBotBackend {
    let links: TelegramLinks
    let users: UserRepository
    let runner: ScriptRunner

    func linkedUser(chatID: Int64) async throws -> TelegramUser? {
        guard let userID = try await links.user(chatID: chatID), let user = try await users.find(id: userID) else { return nil }
        return TelegramUser(id: user.id, email: user.email, name: user.name)
    }

    func issueLinkCode(chatID: Int64) async throws -> String {
        try await links.issueCode(chatID: chatID)
    }

    func unlink(chatID: Int64) async throws -> Bool {
        try await links.unlink(chatID: chatID)
    }

    func scripts(ofUser userID: String) async throws -> [TelegramScript] {
        try await runner.store.list(ownerID: userID).map { TelegramScript(id: $0.id, name: $0.name, schedule: $0.schedule) }
    }

    /// Runs the user's own script (never another's) as a `telegram` run; its notification is the answer here (the
    /// other channels get it from the runner).
    func runScript(id: String, forUser userID: String) async throws -> TelegramRunResult {
        guard let script = try await runner.store.script(id: id), script.ownerID == userID, let owner = try await users.find(id: userID)
        else { return .failed("this script is not yours, or it was undeployed") }
        guard owner.role >= .analyst else { return .failed("viewers cannot run scripts") }
        do {
            let outcome = try await runner.run(
                source: script.source, name: script.name, scriptID: script.id, owner: owner, trigger: "telegram",
                skipping: TelegramNotificationSink.channelName)
            if let notification = outcome.notification {
                return .notification(title: notification.title, message: notification.message, image: outcome.result.image)
            }
            if let limit = outcome.result.killedBy { return .failed("stopped by the \(limit.rawValue) limit") }
            if outcome.result.exitCode != 0 {
                return .failed("exit \(outcome.result.exitCode.map(String.init) ?? "by a signal"): \(outcome.result.stderr.suffix(300))")
            }
            if let error = outcome.outputError { return .failed(error) }
            return .nothingToSend(outcome.coolingDown ? "still cooling down" : "nothing to report")
        } catch let error as ScriptSandbox.Unavailable {
            return .failed("scripts cannot run on this server: \(error.description)")
        }
    }
}

/// Delivers script notifications to the owner's linked Telegram chat (a blocked bot unlinks the chat).
struct TelegramNotificationSink: NotificationSink {
    static let channelName = "telegram"
    var channel: String { Self.channelName }
    let bot: TelegramBot
    let links: TelegramLinks
    let logger: Logger

    func deliver(_ notification: ScriptStore.Notification, image: Data?, to user: User) async {
        do {
            guard let link = try await links.status(userID: user.id) else { return }
            try await bot.send(
                TelegramNotification(title: notification.title, message: notification.message, image: image), toChat: link.chatID)
        } catch {
            logger.warning("could not send a notification to Telegram", metadata: ["user": "\(user.email)", "error": "\(error)"])
        }
    }
}
