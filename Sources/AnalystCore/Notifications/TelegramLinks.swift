import DuckDB
import Foundation

/// `telegram_codes` and `telegram_links` in the system database: the link flow of the Telegram bot.
///
/// `/start` in a chat gets a 6-digit code (`issueCode`): random, unique among live codes, one live code per chat,
/// valid `codeLifetime` (10 minutes). The signed-in user enters it on the dashboard (`verify`), which consumes it in
/// the same transaction that links the user to the chat, so a code links once even when two requests race. A user has
/// at most one chat and a chat at most one user: linking a chat that belonged to someone else moves it.
public struct TelegramLinks: Sendable {
    public let system: SystemDatabase
    public let codeLifetime: Duration
    let now: @Sendable () -> Date

    /// A chat linked to a user.
    public struct Link: Sendable, Equatable {
        public var userID: String
        public var chatID: Int64
        public var linkedAt: Date
    }

    /// No free code was found (only possible with about a million live codes).
    public struct NoFreeCode: Error, CustomStringConvertible {
        public var description: String { "no free Telegram link code; try again in a few minutes" }
    }

    /// `now` is the clock codes are issued and checked by (tests move it forward).
    public init(system: SystemDatabase, codeLifetime: Duration = .seconds(600), now: @escaping @Sendable () -> Date = { Date() }) {
        self.system = system
        self.codeLifetime = codeLifetime
        self.now = now
    }

    /// Whether `text` has the shape of a code (six ASCII digits).
    public static func isCodeShaped(_ text: String) -> Bool {
        text.count == 6 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    // MARK: - Codes

    /// A fresh code for `chatID`. The chat's older codes and every expired code are deleted first.
    public func issueCode(chatID: Int64) async throws -> String {
        let now = self.now()
        let cutoff = expiryCutoff(now)
        return try await system.withConnection { connection in
            try SystemDatabase.retryingConflicts {
                try connection.transaction {
                    try connection.run(
                        "DELETE FROM telegram_codes WHERE created_at < ? OR chat_id = ?",
                        [.timestamp(TimestampValue(cutoff)), .bigint(chatID)])
                    var generator = SystemRandomNumberGenerator()
                    for _ in 0..<64 {
                        let code = TelegramLinks.code(UInt32.random(in: 0..<1_000_000, using: &generator))
                        let taken = try connection.query("SELECT count(*) FROM telegram_codes WHERE code = ?", [.varchar(code)]).scalar()
                        guard (taken?.int64Value ?? 1) == 0 else { continue }
                        try connection.run(
                            "INSERT INTO telegram_codes (code, chat_id, created_at) VALUES (?, ?, ?)",
                            [.varchar(code), .bigint(chatID), .timestamp(TimestampValue(now))])
                        return code
                    }
                    throw NoFreeCode()
                }
            }
        }
    }

    /// Consumes `code` and links its chat to `userID`; the chat's id, or `nil` when the code is unknown, used or
    /// expired (an expired code is deleted too).
    public func verify(code: String, userID: String) async throws -> Int64? {
        let code = code.trimmingCharacters(in: .whitespacesAndNewlines)
        guard TelegramLinks.isCodeShaped(code) else { return nil }
        let now = self.now()
        let cutoff = expiryCutoff(now)
        return try await system.withConnection { connection in
            try SystemDatabase.retryingConflicts {
                try connection.transaction { () -> Int64? in
                    guard
                        let row = try connection.query(
                            "DELETE FROM telegram_codes WHERE code = ? RETURNING chat_id, created_at", [.varchar(code)]
                        ).rows().first,
                        let chatID = row[0].int64Value, case .timestamp(let created) = row[1]
                    else { return nil }
                    guard created.date >= cutoff else { return nil }
                    try connection.run(
                        "DELETE FROM telegram_links WHERE chat_id = ? AND user_id <> ?", [.bigint(chatID), .varchar(userID)])
                    try connection.run(
                        """
                        INSERT INTO telegram_links (user_id, chat_id, username, linked_at) VALUES (?, ?, NULL, ?)
                        ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, linked_at = excluded.linked_at
                        """, [.varchar(userID), .bigint(chatID), .timestamp(TimestampValue(now))])
                    return chatID
                }
            }
        }
    }

    // MARK: - Links

    /// Removes the user's link; whether there was one.
    @discardableResult
    public func unlink(userID: String) async throws -> Bool {
        try await system.withConnection { connection in
            try SystemDatabase.retryingConflicts {
                try connection.run("DELETE FROM telegram_links WHERE user_id = ?", [.varchar(userID)]) > 0
            }
        }
    }

    /// Removes the chat's link (the user's `/unlink`, or a chat that blocked the bot); whether there was one.
    @discardableResult
    public func unlink(chatID: Int64) async throws -> Bool {
        try await system.withConnection { connection in
            try SystemDatabase.retryingConflicts {
                try connection.run("DELETE FROM telegram_links WHERE chat_id = ?", [.bigint(chatID)]) > 0
            }
        }
    }

    /// The user's link, if any.
    public func status(userID: String) async throws -> Link? {
        try await system.withConnection { connection in
            try connection.query("SELECT user_id, chat_id, linked_at FROM telegram_links WHERE user_id = ?", [.varchar(userID)])
                .rows().first.flatMap(TelegramLinks.link)
        }
    }

    /// The id of the user linked to the chat, if any.
    public func user(chatID: Int64) async throws -> String? {
        try await system.withConnection { connection in
            try connection.query(
                "SELECT user_id, chat_id, linked_at FROM telegram_links WHERE chat_id = ? ORDER BY linked_at DESC",
                [
                    .bigint(chatID)
                ]
            )
            .rows().first.flatMap(TelegramLinks.link)?.userID
        }
    }

    // MARK: - Rows

    private func expiryCutoff(_ now: Date) -> Date {
        let lifetime = codeLifetime.components
        return now.addingTimeInterval(-(Double(lifetime.seconds) + Double(lifetime.attoseconds) / 1e18))
    }

    /// Six digits, leading zeros kept.
    static func code(_ number: UInt32) -> String {
        let digits = String(number % 1_000_000)
        return String(repeating: "0", count: 6 - digits.count) + digits
    }

    static func link(_ row: [Value]) -> Link? {
        guard row.count >= 3, let userID = row[0].stringValue, let chatID = row[1].int64Value,
            case .timestamp(let linkedAt) = row[2]
        else { return nil }
        return Link(userID: userID, chatID: chatID, linkedAt: linkedAt.date)
    }
}
