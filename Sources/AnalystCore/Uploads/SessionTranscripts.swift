import DuckDB
import Foundation

/// The index of uploaded Claude Code session transcripts (`session_transcripts`): who uploaded which file, its
/// size, the time of its first and last event, and how many secrets were redacted from it before it was stored.
public struct SessionTranscripts: Sendable {
    public let system: SystemDatabase

    public init(system: SystemDatabase) {
        self.system = system
    }

    /// One indexed transcript.
    public struct Entry: Sendable, Equatable {
        public var userID: String
        public var userEmail: String?
        public var fileName: String
        public var sizeBytes: Int64
        public var firstEventAt: Date?
        public var lastEventAt: Date?
        public var redactions: Int
        public var uploadedAt: Date
    }

    /// Records (or, for a session uploaded again as it grew, replaces) a transcript's entry.
    public func record(
        userID: String, fileName: String, sizeBytes: Int64, redaction: TranscriptRedaction
    ) async throws {
        try await system.withConnection { connection in
            try connection.run(
                """
                INSERT INTO session_transcripts (user_id, file_name, size_bytes, first_event_at, last_event_at, redactions, uploaded_at)
                VALUES (?, ?, ?, ?, ?, ?, now())
                ON CONFLICT (user_id, file_name) DO UPDATE SET size_bytes = excluded.size_bytes,
                    first_event_at = excluded.first_event_at, last_event_at = excluded.last_event_at,
                    redactions = excluded.redactions, uploaded_at = excluded.uploaded_at
                """,
                [
                    .varchar(userID), .varchar(fileName), .bigint(sizeBytes),
                    redaction.firstEventAt.map { .timestamp(TimestampValue($0)) } ?? .null,
                    redaction.lastEventAt.map { .timestamp(TimestampValue($0)) } ?? .null, .integer(Int32(clamping: redaction.redactions)),
                ])
        }
    }

    /// Transcripts, the latest event first; only `userEmail`'s when given. Returns the page and the total.
    public func list(userEmail: String?, limit: Int, offset: Int) async throws -> (entries: [Entry], total: Int) {
        let condition = userEmail == nil ? "TRUE" : "lower(u.email) = lower(?)"
        let parameters: [Value] = userEmail.map { [.varchar($0)] } ?? []
        return try await system.withConnection { connection in
            let from = "FROM session_transcripts s LEFT JOIN users u ON u.id = s.user_id WHERE \(condition)"
            let total = try connection.query("SELECT count(*) \(from)", parameters).scalar()?.int64Value ?? 0
            let rows = try connection.query(
                """
                SELECT s.user_id, u.email, s.file_name, s.size_bytes, s.first_event_at, s.last_event_at, s.redactions, s.uploaded_at
                \(from) ORDER BY coalesce(s.last_event_at, s.uploaded_at) DESC, s.user_id, s.file_name LIMIT ? OFFSET ?
                """, parameters + [.bigint(Int64(limit)), .bigint(Int64(offset))]
            ).rows()
            let entries = rows.compactMap { row -> Entry? in
                guard let user = row[0].stringValue, let file = row[2].stringValue else { return nil }
                func date(_ value: Value) -> Date? {
                    if case .timestamp(let stamp) = value { return stamp.date }
                    return nil
                }
                return Entry(
                    userID: user, userEmail: row[1].stringValue, fileName: file, sizeBytes: row[3].int64Value ?? 0,
                    firstEventAt: date(row[4]), lastEventAt: date(row[5]), redactions: Int(row[6].int64Value ?? 0),
                    uploadedAt: date(row[7]) ?? Date(timeIntervalSince1970: 0))
            }
            return (entries, Int(total))
        }
    }
}
