import Crypto
import DuckDB
import Foundation
import Logging

/// Turns analysts' uploaded `CLAUDE.local.md` notes into corporate-memory items (reference §6.4, done safely).
///
/// A run reads every user's notes, sends only the ones that changed since the last successful run (SHA-256) to the
/// model — secrets redacted, inside a delimited data block — and applies the candidates it answers:
/// - a candidate that names an existing item (`existing_id`) or has the same normalised title is merged: its
///   authors are added as contributors, no copy is made;
/// - an approved or mandatory item is never rewritten: different content becomes a pending revision of it;
/// - a new item gets the sensitivity check (an error counts as "not safe"); flagged items stay pending and say why;
///   the others start as `corporate_memory.approval_mode` says.
/// Without an AI provider nothing is read or sent; the run says so. Runs never overlap.
public actor MemoryCollector {
    public let store: KnowledgeStore
    public let directory: DataDirectory
    public let extractor: (any StructuredExtractor)?
    public let settings: MemorySettings
    private let logger: Logger
    private var current: Task<CollectionReport, Never>?

    /// Notes sent in one model call, at most (characters); more notes make more calls.
    static let batchCharacters = 60_000

    public init(
        store: KnowledgeStore, directory: DataDirectory, extractor: (any StructuredExtractor)?, settings: MemorySettings,
        logger: Logger
    ) {
        self.store = store
        self.directory = directory
        self.extractor = extractor
        self.settings = settings
        self.logger = logger
    }

    /// Runs a collection (or, when one is running, waits for it and returns its report).
    public func collect(trigger: String) async -> CollectionReport {
        if let current { return await current.value }
        let task = Task { await self.run(trigger: trigger) }
        current = task
        let report = await task.value
        current = nil
        return report
    }

    private func run(trigger: String) async -> CollectionReport {
        var report = CollectionReport(trigger: trigger)
        guard let extractor else {
            report.status = .notConfigured
            report.error = "no AI provider is configured (ai.provider in instance.yaml); notes are not read or sent"
            await record(report)
            return report
        }
        do {
            let notes = try await readNotes()
            report.notesRead = notes.count
            let previous = try await store.noteHashes()
            let changed = notes.filter { previous[$0.userID] != $0.sha256 }
            report.notesChanged = changed.count
            guard !changed.isEmpty else {
                report.status = .unchanged
                await record(report)
                return report
            }
            var failures: [String] = []
            let batches = Self.batches(changed)
            for batch in batches {
                do {
                    try await apply(batch, extractor: extractor, report: &report)
                    try await store.saveNoteHashes(batch.map { ($0.userID, $0.sha256) })
                } catch let error as LLMError {
                    // The batch's hashes stay as they were: its notes are sent again next time.
                    failures.append(error.description)
                    logger.warning("corporate memory: the model could not read a batch of notes", metadata: ["error": "\(error)"])
                }
            }
            report.status = failures.isEmpty ? .collected : (failures.count == batches.count ? .failed : .partial)
            report.error = failures.isEmpty ? nil : failures.joined(separator: "; ")
        } catch {
            report.status = .failed
            report.error = "\(error)"
            logger.error("corporate memory: collection failed", metadata: ["error": "\(error)"])
        }
        await record(report)
        return report
    }

    // MARK: - Notes

    /// One user's uploaded notes.
    struct Notes: Sendable {
        var userID: String
        var email: String
        var text: String
        var sha256: String
    }

    /// Every signed-up user's `user_local_md/<user id>.md`, secrets redacted (notes of deleted users are skipped).
    private func readNotes() async throws -> [Notes] {
        let emails = try await store.userEmails()
        let folder = directory.userLocalMarkdown
        return try await BlockingExecutor.shared.run {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            let redactor = SecretRedactor()
            return names.sorted().compactMap { name -> Notes? in
                guard name.hasSuffix(".md"), !name.hasPrefix(".") else { return nil }
                let userID = String(name.dropLast(3))
                guard let email = emails[userID],
                    let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)
                else { return nil }
                let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
                let text = redactor.redact(String(decoding: data, as: UTF8.self)).text
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
                return Notes(userID: userID, email: email, text: text, sha256: hash)
            }
        }
    }

    /// Notes grouped so that each model call carries at most `batchCharacters` of them (a longer note is cut).
    static func batches(_ notes: [Notes]) -> [[Notes]] {
        var batches: [[Notes]] = []
        var current: [Notes] = []
        var size = 0
        for var note in notes {
            if note.text.count > batchCharacters {
                note.text = String(note.text.prefix(batchCharacters)) + "\n[… cut: the notes are longer than the collector reads]"
            }
            if size + note.text.count > batchCharacters, !current.isEmpty {
                batches.append(current)
                current = []
                size = 0
            }
            current.append(note)
            size += note.text.count
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    // MARK: - Candidates

    private func apply(_ batch: [Notes], extractor: any StructuredExtractor, report: inout CollectionReport) async throws {
        var existing = try await store.collectorCatalog()
        let prompt = CollectorPrompts.catalogRefresh(
            catalog: existing.filter { $0.status != .rejected && $0.status != .revoked }.map {
                .init(id: $0.id, title: $0.title, category: $0.category, content: $0.content)
            },
            notes: batch.map { .init(author: $0.email, text: $0.text) })
        let answer = try await extractor.extract(
            CollectorPrompts.Candidates.self, prompt: prompt, maxTokens: 8192, schema: CollectorPrompts.catalogRefreshSchema)
        let authors = batch.map(\.email)
        for raw in answer.items {
            guard let candidate = Candidate(raw, authors: authors) else { continue }
            switch Self.decide(candidate, existing: existing) {
            case .merge(let id):
                try await store.addContributors(candidate.authors, to: id)
                report.merged += 1
            case .updateRevision(let id):
                try await store.updateRevision(
                    id, title: candidate.title, content: candidate.content, tags: candidate.tags,
                    contributors: candidate.authors)
                report.revisions += 1
            case .create(let revisionOf):
                let sensitivity = await check(candidate, extractor: extractor)
                let status: KnowledgeItem.Status =
                    sensitivity == nil && settings.approvalMode == .autoPublish && revisionOf == nil ? .approved : .pending
                let item = try await store.insertCollected(
                    id: candidate.id, title: candidate.title, content: candidate.content, category: candidate.category,
                    tags: candidate.tags, contributors: candidate.authors, status: status, sensitivity: sensitivity,
                    revisionOf: revisionOf)
                existing.append(item)
                if revisionOf != nil { report.revisions += 1 } else { report.created += 1 }
                if sensitivity != nil { report.flagged += 1 }
            }
        }
    }

    /// The sensitivity check of a new item: `nil` when the model says it is safe, else why it is held back.
    private func check(_ candidate: Candidate, extractor: any StructuredExtractor) async -> String? {
        do {
            let verdict = try await extractor.extract(
                CollectorPrompts.Sensitivity.self,
                prompt: CollectorPrompts.sensitivityCheck(title: candidate.title, content: candidate.content), maxTokens: 256,
                schema: CollectorPrompts.sensitivitySchema)
            if verdict.safe { return nil }
            let reason = (verdict.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return reason.isEmpty ? "the sensitivity check found it unsafe to share" : String(reason.prefix(300))
        } catch {
            return "not checked: \(error.description)"
        }
    }

    /// A candidate the model proposed, checked and cleaned: a known category, bounded lengths, 2–4 tags, authors
    /// limited to the notes' authors, no secrets.
    struct Candidate: Sendable {
        var existingID: String?
        var title: String
        var content: String
        var category: String
        var tags: [String]
        var authors: [String]

        init?(_ raw: CollectorPrompts.Candidate, authors known: [String]) {
            let redactor = SecretRedactor()
            func clean(_ text: String, limit: Int) -> String {
                String(redactor.redact(text).text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(limit))
            }
            title = clean(raw.title, limit: 60)
            content = clean(raw.content, limit: 1000)
            guard !title.isEmpty, !content.isEmpty else { return nil }
            category = CollectorPrompts.categories.contains(raw.category) ? raw.category : "workflow"
            var seenTags = Set<String>()
            tags = (raw.tags ?? []).map { clean($0, limit: 40).lowercased() }.filter { !$0.isEmpty && seenTags.insert($0).inserted }
            tags = Array(tags.prefix(4))
            // Only the notes' authors can be credited (a candidate crediting only others is dropped); when the model
            // names nobody and the notes have one author, that author is credited.
            let knownLowercased = Set(known.map { $0.lowercased() })
            let named = (raw.sourceUsers ?? []).map { $0.lowercased() }
            let credited = named.isEmpty && known.count == 1 ? [known[0].lowercased()] : named.filter(knownLowercased.contains)
            var seen = Set<String>()
            authors = credited.filter { seen.insert($0).inserted }
            guard !authors.isEmpty else { return nil }
            existingID = raw.existingID.flatMap { $0.isEmpty ? nil : $0 }
        }

        /// `km_` and the first 12 hex digits of SHA-256(title + content), as the reference makes ids.
        var id: String {
            "km_" + SHA256.hash(data: Data((title + content).utf8)).map { String(format: "%02x", $0) }.joined().prefix(12)
        }
    }

    enum Decision: Equatable {
        case merge(String)
        /// The collector's own pending revision of an approved item gets the new text.
        case updateRevision(String)
        case create(revisionOf: String?)
    }

    /// What to do with `candidate` given the items there are.
    static func decide(_ candidate: Candidate, existing: [KnowledgeItem]) -> Decision {
        let title = normalised(candidate.title)
        let match =
            candidate.existingID.flatMap { id in existing.first { $0.id == id } }
            ?? existing.first { $0.id == candidate.id }
            ?? existing.first { normalised($0.title) == title && $0.revisionOf == nil }
        guard let match else { return .create(revisionOf: nil) }
        let sameText = normalised(match.content) == normalised(candidate.content)
        guard match.status == .approved || match.status == .mandatory, !sameText else { return .merge(match.id) }
        if let revision = existing.first(where: { $0.revisionOf == match.id && $0.status == .pending && $0.source == "collector" }) {
            return normalised(revision.content) == normalised(candidate.content) ? .merge(revision.id) : .updateRevision(revision.id)
        }
        return .create(revisionOf: match.id)
    }

    /// Lowercased letters and digits separated by single spaces: "Revenue — excludes refunds!" ~ "revenue excludes refunds".
    static func normalised(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }

    // MARK: - Runs

    private func record(_ report: CollectionReport) async {
        do {
            try await store.recordCollection(report)
        } catch {
            logger.error("corporate memory: could not record the collection run", metadata: ["error": "\(error)"])
        }
    }
}

/// What one collection run did.
public struct CollectionReport: Sendable, Equatable {
    public enum Status: String, Sendable {
        case collected, partial, unchanged, failed
        case notConfigured = "not_configured"
    }

    public var id = UUID().uuidString.lowercased()
    public var trigger: String
    public var startedAt = Date()
    public var status = Status.collected
    public var notesRead = 0
    public var notesChanged = 0
    public var created = 0
    public var merged = 0
    public var revisions = 0
    public var flagged = 0
    public var error: String?

    public init(trigger: String) {
        self.trigger = trigger
    }
}
