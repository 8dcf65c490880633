import DuckDB
import Foundation

/// The collector's reads and writes: note hashes, the catalog it shows the model, merged contributors, collected
/// items and revisions, and its run log (`memory_collections`).
extension KnowledgeStore {
    /// The SHA-256 of each user's notes as last collected, by user id.
    func noteHashes() async throws -> [String: String] {
        try await system.withConnection { connection in
            var hashes: [String: String] = [:]
            for row in try connection.query("SELECT user_id, sha256 FROM memory_note_hashes").rows() {
                if let user = row[0].stringValue, let hash = row[1].stringValue { hashes[user] = hash }
            }
            return hashes
        }
    }

    func saveNoteHashes(_ hashes: [(userID: String, sha256: String)]) async throws {
        try await system.withConnection { connection in
            try connection.transaction {
                for (user, hash) in hashes {
                    try connection.run(
                        """
                        INSERT INTO memory_note_hashes (user_id, sha256, collected_at) VALUES (?, ?, now())
                        ON CONFLICT (user_id) DO UPDATE SET sha256 = excluded.sha256, collected_at = excluded.collected_at
                        """, [.varchar(user), .varchar(hash)])
                }
            }
        }
    }

    /// Every user's email by id.
    func userEmails() async throws -> [String: String] {
        try await system.withConnection { connection in
            var emails: [String: String] = [:]
            for row in try connection.query("SELECT id, email FROM users").rows() {
                if let id = row[0].stringValue, let email = row[1].stringValue { emails[id] = email.lowercased() }
            }
            return emails
        }
    }

    /// Every item, oldest first (the collector matches candidates against them).
    func collectorCatalog() async throws -> [KnowledgeItem] {
        try await system.withConnection { connection in
            try connection.query(
                "SELECT \(KnowledgeStore.columns) FROM knowledge_items k \(KnowledgeStore.votes) ORDER BY k.created_at, k.id"
            ).rows().compactMap(KnowledgeStore.item)
        }
    }

    /// Adds `emails` to an item's contributors (each once, in order); its text and governance stay as they are.
    func addContributors(_ emails: [String], to id: String) async throws {
        try await writing { connection in
            try SystemDatabase.retryingConflicts {
                try connection.transaction { try KnowledgeStore.addContributors(emails, to: id, on: connection) }
            }
        }
    }

    /// New text for the collector's pending revision of an approved item (never for anything else).
    func updateRevision(_ id: String, title: String, content: String, tags: [String], contributors: [String]) async throws {
        try await writing { connection in
            try SystemDatabase.retryingConflicts {
                try connection.transaction {
                    let updated = try connection.run(
                        """
                        UPDATE knowledge_items SET title = ?, content = ?, tags = ?, updated_at = now()
                        WHERE id = ? AND status = 'pending' AND source = 'collector' AND revision_of IS NOT NULL
                        """, [.varchar(title), .varchar(content), .list(tags.map(Value.varchar)), .varchar(id)])
                    if updated > 0 { try KnowledgeStore.addContributors(contributors, to: id, on: connection) }
                }
            }
        }
    }

    private static func addContributors(_ emails: [String], to id: String, on connection: Connection) throws {
        guard
            case .list(let values)? = try connection.query("SELECT contributors FROM knowledge_items WHERE id = ?", [.varchar(id)]).scalar()
        else { return }
        let current = values.compactMap(\.stringValue)
        let added = emails.filter { !current.contains($0) }
        guard !added.isEmpty else { return }
        try connection.run(
            "UPDATE knowledge_items SET contributors = ?, updated_at = now() WHERE id = ?",
            [.list((current + added).map(Value.varchar)), .varchar(id)])
    }

    /// Stores an item the collector found; returns it as stored.
    func insertCollected(
        id: String, title: String, content: String, category: String, tags: [String], contributors: [String],
        status: KnowledgeItem.Status, sensitivity: String?, revisionOf: String?
    ) async throws -> KnowledgeItem {
        try await writing { connection in
            try connection.run(
                """
                INSERT INTO knowledge_items (id, title, content, category, tags, status, contributors, source_user, audience, source,
                    created_at, updated_at, approved_by, approved_at, duplicates, sensitivity, revision_of)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'all', 'collector', now(), now(), ?, CASE WHEN ? THEN now() END, [], ?, ?)
                """,
                [
                    .varchar(id), .varchar(title), .varchar(content), .varchar(category), .list(tags.map(Value.varchar)),
                    .varchar(status.rawValue), .list(contributors.map(Value.varchar)), contributors.first.map(Value.varchar) ?? .null,
                    status == .approved ? .varchar("auto_publish") : .null, .boolean(status == .approved),
                    sensitivity.map(Value.varchar) ?? .null, revisionOf.map(Value.varchar) ?? .null,
                ])
            guard
                let item = try connection.query(
                    "SELECT \(KnowledgeStore.columns) FROM knowledge_items k \(KnowledgeStore.votes) WHERE k.id = ?", [.varchar(id)]
                ).rows().first.flatMap(KnowledgeStore.item)
            else { throw KnowledgeError.notFound }
            return item
        }
    }

    /// Records a finished collection run.
    func recordCollection(_ report: CollectionReport) async throws {
        try await system.withConnection { connection in
            try connection.run(
                """
                INSERT INTO memory_collections (id, started_at, finished_at, trigger, status, notes_read, notes_changed, created,
                    merged, revisions, flagged, error)
                VALUES (?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .varchar(report.id), .timestamp(TimestampValue(report.startedAt)), .varchar(report.trigger),
                    .varchar(report.status.rawValue), .integer(Int32(clamping: report.notesRead)),
                    .integer(Int32(clamping: report.notesChanged)), .integer(Int32(clamping: report.created)),
                    .integer(Int32(clamping: report.merged)), .integer(Int32(clamping: report.revisions)),
                    .integer(Int32(clamping: report.flagged)), report.error.map(Value.varchar) ?? .null,
                ])
        }
    }

    /// The last collection runs, newest first.
    public func collections(limit: Int) async throws -> [CollectionReport] {
        try await system.withConnection { connection in
            try connection.query(
                """
                SELECT id, trigger, started_at, status, notes_read, notes_changed, created, merged, revisions, flagged, error
                FROM memory_collections ORDER BY started_at DESC, id LIMIT ?
                """, [.bigint(Int64(limit))]
            ).rows().compactMap { row -> CollectionReport? in
                guard let id = row[0].stringValue, let trigger = row[1].stringValue, case .timestamp(let started) = row[2],
                    let status = row[3].stringValue.flatMap(CollectionReport.Status.init)
                else { return nil }
                var report = CollectionReport(trigger: trigger)
                report.id = id
                report.startedAt = started.date
                report.status = status
                report.notesRead = Int(row[4].int64Value ?? 0)
                report.notesChanged = Int(row[5].int64Value ?? 0)
                report.created = Int(row[6].int64Value ?? 0)
                report.merged = Int(row[7].int64Value ?? 0)
                report.revisions = Int(row[8].int64Value ?? 0)
                report.flagged = Int(row[9].int64Value ?? 0)
                report.error = row[10].stringValue
                return report
            }
        }
    }
}
