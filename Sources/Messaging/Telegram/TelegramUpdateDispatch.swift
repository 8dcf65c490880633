/// Hands updates to the bot: messages one after another, in order (they are quick and a chat expects its answers in
/// order); button presses, whose script runs can take minutes, as child tasks of the caller's group, at most `limit`
/// at once, so a burst of presses is held back rather than piling up.
struct TelegramUpdateDispatch {
    let bot: TelegramBot
    let limit: Int
    private var running = 0

    init(bot: TelegramBot, limit: Int) {
        self.bot = bot
        self.limit = max(1, limit)
    }

    /// `group` must hold only the tasks this dispatch added.
    mutating func handle(_ update: Telegram.Update, in group: inout TaskGroup<Void>) async {
        guard update.callbackQuery != nil else {
            await bot.handle(update)
            return
        }
        if running >= limit {
            _ = await group.next()
            running -= 1
        }
        let bot = self.bot
        group.addTask { await bot.handle(update) }
        running += 1
    }
}
