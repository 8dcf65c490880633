import DuckDB
import Foundation

/// Deployed scripts (`scripts`), their runs (`script_runs`), cooldowns (`notification_cooldowns`) and the
/// notifications they sent (`notifications`), in the system database.
public struct ScriptStore: Sendable {
    public let system: SystemDatabase

    public init(system: SystemDatabase) {
        self.system = system
    }

    /// A deployed script.
    public struct Script: Sendable, Equatable {
        public var id: String
        public var ownerID: String
        public var ownerEmail: String?
        public var name: String
        public var source: String
        public var schedule: String?
        public var createdAt: Date
        public var updatedAt: Date
        public var nextRunAt: Date?
    }

    /// One recorded run.
    public struct Run: Sendable, Equatable {
        public var id: String
        public var scriptID: String?
        public var ownerID: String
        public var name: String
        /// `adhoc`, `manual`, `schedule` or `telegram`.
        public var trigger: String
        public var startedAt: Date
        public var durationMilliseconds: Int
        public var exitCode: Int?
        public var outputBytes: Int
        public var truncated: Bool
        public var notified: Bool
        public var killedBy: String?
        public var error: String?

        public init(
            id: String = UUID().uuidString.lowercased(), scriptID: String?, ownerID: String, name: String, trigger: String,
            startedAt: Date, durationMilliseconds: Int, exitCode: Int?, outputBytes: Int, truncated: Bool, notified: Bool,
            killedBy: String?, error: String?
        ) {
            self.id = id
            self.scriptID = scriptID
            self.ownerID = ownerID
            self.name = name
            self.trigger = trigger
            self.startedAt = startedAt
            self.durationMilliseconds = durationMilliseconds
            self.exitCode = exitCode
            self.outputBytes = outputBytes
            self.truncated = truncated
            self.notified = notified
            self.killedBy = killedBy
            self.error = error
        }
    }

    /// A stored notification.
    public struct Notification: Sendable, Equatable {
        public var id: String
        public var userID: String
        public var scriptID: String?
        public var scriptName: String?
        public var title: String?
        public var message: String
        /// The image's file name under `notifications/images/` (served to its owner only).
        public var imageFile: String?
        public var data: String?
        public var createdAt: Date
    }

    /// Why a script cannot be stored.
    public enum Refusal: Error, Sendable, Equatable {
        case nameTaken(String)
    }

    static let scriptColumns =
        "s.id, s.owner_id, u.email, s.name, s.source, s.schedule, s.created_at, s.updated_at, s.next_run_at"

    // MARK: - Scripts

    /// Stores a new script for `ownerID`; refused when the owner already has one named `name`.
    public func deploy(ownerID: String, name: String, source: String, schedule: ScriptSchedule?, now: Date = Date()) async throws
        -> Script
    {
        let id = UUID().uuidString.lowercased()
        let next = schedule?.next(after: now)
        let stored = try await system.withConnection { connection -> Bool in
            try connection.transaction {
                let taken =
                    try connection.query(
                        "SELECT count(*) FROM scripts WHERE owner_id = ? AND name = ?", [.varchar(ownerID), .varchar(name)]
                    ).scalar()?.int64Value ?? 0 > 0
                if taken { return false }
                try connection.run(
                    """
                    INSERT INTO scripts (id, owner_id, name, source, schedule, created_at, updated_at, next_run_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .varchar(id), .varchar(ownerID), .varchar(name), .varchar(source),
                        schedule.map { .varchar($0.description) } ?? .null,
                        .timestamp(TimestampValue(now)), .timestamp(TimestampValue(now)),
                        next.map { .timestamp(TimestampValue($0)) } ?? .null,
                    ])
                return true
            }
        }
        guard stored else { throw Refusal.nameTaken(name) }
        return Script(
            id: id, ownerID: ownerID, ownerEmail: nil, name: name, source: source, schedule: schedule?.description, createdAt: now,
            updatedAt: now, nextRunAt: next)
    }

    /// Every script (`ownerID` nil) or one owner's, by name.
    public func list(ownerID: String?) async throws -> [Script] {
        let condition = ownerID == nil ? "TRUE" : "s.owner_id = ?"
        let parameters: [Value] = ownerID.map { [.varchar($0)] } ?? []
        return try await system.withConnection { connection in
            try connection.query(
                "SELECT \(ScriptStore.scriptColumns) FROM scripts s LEFT JOIN users u ON u.id = s.owner_id WHERE \(condition) ORDER BY s.name, s.id",
                parameters
            ).rows().compactMap(ScriptStore.script)
        }
    }

    public func script(id: String) async throws -> Script? {
        try await system.withConnection { connection in
            try connection.query(
                "SELECT \(ScriptStore.scriptColumns) FROM scripts s LEFT JOIN users u ON u.id = s.owner_id WHERE s.id = ?", [.varchar(id)]
            ).rows().first.flatMap(ScriptStore.script)
        }
    }

    /// Deletes a script with its cooldowns; whether it existed. Its runs stay in the history.
    @discardableResult
    public func delete(id: String) async throws -> Bool {
        try await system.withConnection { connection in
            try connection.transaction {
                try connection.run("DELETE FROM notification_cooldowns WHERE script_id = ?", [.varchar(id)])
                return try connection.run("DELETE FROM scripts WHERE id = ?", [.varchar(id)]) > 0
            }
        }
    }

    /// Scheduled scripts due at `now`, each moved to its next time in the same step, so one is never started twice.
    public func claimDue(now: Date = Date()) async throws -> [Script] {
        try await system.withConnection { connection in
            try SystemDatabase.retryingConflicts {
                try connection.transaction {
                    let due = try connection.query(
                        """
                        SELECT \(ScriptStore.scriptColumns) FROM scripts s LEFT JOIN users u ON u.id = s.owner_id
                        WHERE s.schedule IS NOT NULL AND s.next_run_at <= ? ORDER BY s.next_run_at, s.id
                        """, [.timestamp(TimestampValue(now))]
                    ).rows().compactMap(ScriptStore.script)
                    for script in due {
                        let next = script.schedule.flatMap { try? ScriptSchedule(parsing: $0) }?.next(after: now)
                        try connection.run(
                            "UPDATE scripts SET next_run_at = ? WHERE id = ?",
                            [next.map { .timestamp(TimestampValue($0)) } ?? .null, .varchar(script.id)])
                    }
                    return due
                }
            }
        }
    }

    // MARK: - Runs

    public func record(_ run: Run) async throws {
        try await system.withConnection { connection in
            try connection.run(
                """
                INSERT INTO script_runs (id, script_id, owner_id, name, trigger, started_at, duration_ms, exit_code, output_bytes,
                    truncated, notified, killed_by, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .varchar(run.id), run.scriptID.map(Value.varchar) ?? .null, .varchar(run.ownerID), .varchar(run.name),
                    .varchar(run.trigger), .timestamp(TimestampValue(run.startedAt)), .bigint(Int64(run.durationMilliseconds)),
                    run.exitCode.map { .integer(Int32(clamping: $0)) } ?? .null, .bigint(Int64(run.outputBytes)), .boolean(run.truncated),
                    .boolean(run.notified), run.killedBy.map(Value.varchar) ?? .null, run.error.map(Value.varchar) ?? .null,
                ])
        }
    }

    /// A script's runs, newest first.
    public func runs(scriptID: String, limit: Int) async throws -> [Run] {
        try await system.withConnection { connection in
            try connection.query(
                """
                SELECT id, script_id, owner_id, name, trigger, started_at, duration_ms, exit_code, output_bytes, truncated, notified,
                    killed_by, error
                FROM script_runs WHERE script_id = ? ORDER BY started_at DESC, id LIMIT ?
                """, [.varchar(scriptID), .bigint(Int64(limit))]
            ).rows().compactMap { row -> Run? in
                guard let id = row[0].stringValue, let owner = row[2].stringValue, let name = row[3].stringValue,
                    let trigger = row[4].stringValue, case .timestamp(let started) = row[5]
                else { return nil }
                return Run(
                    id: id, scriptID: row[1].stringValue, ownerID: owner, name: name, trigger: trigger, startedAt: started.date,
                    durationMilliseconds: Int(row[6].int64Value ?? 0), exitCode: row[7].int64Value.map { Int($0) },
                    outputBytes: Int(row[8].int64Value ?? 0), truncated: row[9] == .boolean(true), notified: row[10] == .boolean(true),
                    killedBy: row[11].stringValue, error: row[12].stringValue)
            }
        }
    }

    // MARK: - Cooldowns and notifications

    /// Whether `scriptID` may notify `userID` at `now` given `cooldown`; when it may, the send is recorded in the same
    /// step (two runs at once cannot both pass).
    public func claimCooldown(scriptID: String, userID: String, cooldown: Duration, now: Date = Date()) async throws -> Bool {
        let seconds = Double(cooldown.components.seconds)
        return try await system.withConnection { connection in
            try SystemDatabase.retryingConflicts {
                try connection.transaction {
                    if case .timestamp(let last)? = try connection.query(
                        "SELECT last_sent_at FROM notification_cooldowns WHERE script_id = ? AND user_id = ?",
                        [.varchar(scriptID), .varchar(userID)]
                    ).scalar(), now.timeIntervalSince(last.date) < seconds {
                        return false
                    }
                    try connection.run(
                        """
                        INSERT INTO notification_cooldowns (script_id, user_id, last_sent_at) VALUES (?, ?, ?)
                        ON CONFLICT (script_id, user_id) DO UPDATE SET last_sent_at = excluded.last_sent_at
                        """, [.varchar(scriptID), .varchar(userID), .timestamp(TimestampValue(now))])
                    return true
                }
            }
        }
    }

    public func store(_ notification: Notification) async throws {
        try await system.withConnection { connection in
            try connection.run(
                """
                INSERT INTO notifications (id, user_id, script_id, script_name, title, message, image_file, data, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .varchar(notification.id), .varchar(notification.userID), notification.scriptID.map(Value.varchar) ?? .null,
                    notification.scriptName.map(Value.varchar) ?? .null, notification.title.map(Value.varchar) ?? .null,
                    .varchar(notification.message), notification.imageFile.map(Value.varchar) ?? .null,
                    notification.data.map(Value.varchar) ?? .null, .timestamp(TimestampValue(notification.createdAt)),
                ])
        }
    }

    /// A user's notifications, latest first.
    public func notifications(userID: String, limit: Int, offset: Int) async throws -> [Notification] {
        try await system.withConnection { connection in
            try connection.query(
                """
                SELECT id, user_id, script_id, script_name, title, message, image_file, data, created_at FROM notifications
                WHERE user_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?
                """, [.varchar(userID), .bigint(Int64(limit)), .bigint(Int64(offset))]
            ).rows().compactMap { row -> Notification? in
                guard let id = row[0].stringValue, let user = row[1].stringValue, let message = row[5].stringValue,
                    case .timestamp(let created) = row[8]
                else { return nil }
                return Notification(
                    id: id, userID: user, scriptID: row[2].stringValue, scriptName: row[3].stringValue, title: row[4].stringValue,
                    message: message, imageFile: row[6].stringValue, data: row[7].stringValue, createdAt: created.date)
            }
        }
    }

    /// Whether `userID` owns a notification with the image `file`.
    public func ownsImage(userID: String, file: String) async throws -> Bool {
        try await system.withConnection { connection in
            try connection.query(
                "SELECT count(*) FROM notifications WHERE user_id = ? AND image_file = ?", [.varchar(userID), .varchar(file)]
            ).scalar()?.int64Value ?? 0 > 0
        }
    }

    static func script(_ row: [Value]) -> Script? {
        guard let id = row[0].stringValue, let owner = row[1].stringValue, let name = row[3].stringValue,
            let source = row[4].stringValue, case .timestamp(let created) = row[6], case .timestamp(let updated) = row[7]
        else { return nil }
        var next: Date?
        if case .timestamp(let stamp) = row[8] { next = stamp.date }
        return Script(
            id: id, ownerID: owner, ownerEmail: row[2].stringValue, name: name, source: source, schedule: row[5].stringValue,
            createdAt: created.date, updatedAt: updated.date, nextRunAt: next)
    }
}
