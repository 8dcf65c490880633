import Foundation
import Logging
import ServiceLifecycle

/// The webhook form (when `telegram.webhook_url` is set): Telegram posts each update to the server with the secret
/// in `X-Telegram-Bot-Api-Secret-Token`. The route checks the header (`verify`) and queues the update (`accept`)
/// so that it can answer at once (a slow answer makes Telegram send the update again); `run()`, a server service,
/// registers the webhook with Telegram and hands queued updates to the bot.
public final class TelegramWebhook: Service, Sendable {
    /// The header Telegram sends the secret in.
    public static let secretHeaderName = "X-Telegram-Bot-Api-Secret-Token"

    public let bot: TelegramBot
    public let url: URL
    private let secret: [UInt8]
    private let secretText: String
    let logger: Logger
    let errorPause: Duration
    let maxConcurrentRuns: Int
    private let updates: AsyncStream<Telegram.Update>
    private let input: AsyncStream<Telegram.Update>.Continuation

    /// `capacity` updates may wait; past it `accept` refuses (the route answers 503 and Telegram retries later).
    public init(
        url: URL, secret: String, bot: TelegramBot, logger: Logger, capacity: Int = 256, errorPause: Duration = .seconds(5),
        maxConcurrentRuns: Int = 4
    ) {
        self.url = url
        self.secret = Array(secret.utf8)
        self.secretText = secret
        self.bot = bot
        self.logger = logger
        self.errorPause = errorPause
        self.maxConcurrentRuns = maxConcurrentRuns
        (updates, input) = AsyncStream.makeStream(of: Telegram.Update.self, bufferingPolicy: .bufferingOldest(max(1, capacity)))
    }

    /// The webhook of `bot`'s settings, or `nil` when they are in polling mode.
    public convenience init?(bot: TelegramBot, logger: Logger) {
        guard case .webhook(let url, let secret) = bot.client.settings.mode else { return nil }
        self.init(url: url, secret: secret, bot: bot, logger: logger)
    }

    /// Whether `secretHeader` is the configured secret (compared in constant time for a given length). A missing
    /// header never matches.
    public func verify(secretHeader: String?) -> Bool {
        guard let secretHeader else { return false }
        let given = Array(secretHeader.utf8)
        guard given.count == secret.count, !secret.isEmpty else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(given, secret) { difference |= left ^ right }
        return difference == 0
    }

    /// Queues an update for the bot; `false` when the queue is full or the service has stopped.
    public func accept(_ update: Telegram.Update) -> Bool {
        switch input.yield(update) {
        case .enqueued: return true
        case .dropped:
            logger.warning("Telegram: webhook queue full; update refused", metadata: ["update_id": "\(update.updateID)"])
            return false
        case .terminated: return false
        @unknown default: return false
        }
    }

    /// Registers the webhook (retrying after `errorPause` until Telegram accepts it) and handles queued updates until
    /// cancelled; on a graceful shutdown it takes no more and handles what is queued.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { registration in
                registration.addTask { await self.register() }
                await self.dispatchQueued()
                registration.cancelAll()
            }
        } onGracefulShutdown: {
            self.input.finish()
        }
    }

    private func dispatchQueued() async {
        await withTaskGroup(of: Void.self) { group in
            var dispatch = TelegramUpdateDispatch(bot: bot, limit: maxConcurrentRuns)
            for await update in updates {
                await dispatch.handle(update, in: &group)
            }
        }
    }

    private func register() async {
        while !Task.isCancelled {
            do {
                try await bot.client.setWebhook(url: url, secretToken: secretText)
                logger.info("Telegram: webhook registered", metadata: ["url": "\(url.absoluteString)"])
                return
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("Telegram: could not register the webhook; trying again after a pause", metadata: ["error": "\(error)"])
                do {
                    try await Task.sleep(for: errorPause)
                } catch {
                    return
                }
            }
        }
    }
}
