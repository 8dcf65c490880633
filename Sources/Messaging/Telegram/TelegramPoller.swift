import Logging
import ServiceLifecycle

/// Long polling (the default when no webhook is configured): `getUpdates` with the last update's id + 1 as the
/// offset, each update handed to the bot. After a failure it pauses (`errorPause`, 5 s) and polls again; it stops
/// promptly when its task is cancelled or the server shuts down gracefully (the poll in flight is abandoned).
public struct TelegramPoller: Service {
    public let bot: TelegramBot
    let logger: Logger
    /// Seconds one `getUpdates` waits for an update (the reference's 30).
    public var pollTimeout: Int
    public var errorPause: Duration
    /// Button presses (script runs) handled at once.
    public var maxConcurrentRuns: Int

    public init(
        bot: TelegramBot, logger: Logger, pollTimeout: Int = 30, errorPause: Duration = .seconds(5), maxConcurrentRuns: Int = 4
    ) {
        self.bot = bot
        self.logger = logger
        self.pollTimeout = pollTimeout
        self.errorPause = errorPause
        self.maxConcurrentRuns = maxConcurrentRuns
    }

    /// Polls until cancelled or until a graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.poll() }
    }

    /// Polls until the task is cancelled.
    public func poll() async {
        let client = bot.client
        // getUpdates is refused (409) while a webhook is set, as after switching from webhook mode.
        do {
            try await client.deleteWebhook()
        } catch {
            logger.warning("Telegram: could not remove a webhook before polling", metadata: ["error": "\(error)"])
        }
        logger.info("Telegram: polling for updates", metadata: ["telegram_api": "\(client.settings.apiOrigin)"])
        await withTaskGroup(of: Void.self) { group in
            var dispatch = TelegramUpdateDispatch(bot: bot, limit: maxConcurrentRuns)
            var offset: Int64?
            while !Task.isCancelled {
                let updates: [Telegram.Update]
                do {
                    updates = try await client.getUpdates(offset: offset, timeout: pollTimeout)
                } catch {
                    guard !Task.isCancelled else { break }
                    logger.warning(
                        "Telegram: getUpdates failed; polling again after a pause",
                        metadata: ["error": "\(error)", "pause_seconds": "\(errorPause.components.seconds)"])
                    do {
                        try await Task.sleep(for: errorPause)
                    } catch {
                        break
                    }
                    continue
                }
                for update in updates.sorted(by: { $0.updateID < $1.updateID }) {
                    offset = max(offset ?? 0, update.updateID + 1)
                    await dispatch.handle(update, in: &group)
                }
            }
        }
        logger.info("Telegram: polling stopped")
    }
}
