import AnalystAPI
import AnalystCore
import DuckDB
import Foundation
import Logging
import Synchronization

/// Turns queued Jira events into rows: the pending events are taken in a batch, each issue they name is fetched once
/// (its current state, so order and duplicates do not matter), the batch is merged into the shards by one writer and
/// published, and only then are the events removed from the queue. A crash at any point leaves the events queued and
/// applying them again gives the same tables.
///
/// When a fetch fails the event's embedded issue is used and the key is remembered as stale for the consistency
/// pass; an event without a usable issue stays queued and is retried later. The SLA poll and the consistency pass
/// go through the same writer.
public final class JiraProcessor: Sendable {
    public let queue: JiraEventQueue
    public let store: JiraShardStore
    let client: JiraClient?
    public let settings: JiraSettings
    let publish: @Sendable (_ profiles: Bool) async throws -> Void
    let logger: Logger
    /// The one writer of the shards.
    private let writer = BlockingExecutor(name: "jira-writer")
    /// Small file writes beside it (raw issues, stale keys, attachment folders).
    private let files = BlockingExecutor(name: "jira-files", maxConcurrent: 2)
    private let stale: JiraStaleKeys
    private let attachmentJobs: AsyncStream<JiraIssueRows>.Continuation
    private let attachmentStream: AsyncStream<JiraIssueRows>
    private let counters = Mutex(Counters())
    private let nudges: AsyncStream<Void>.Continuation
    private let nudgeStream: AsyncStream<Void>

    /// Events taken per batch.
    static let batchLimit = 2_000
    /// Issues fetched at once.
    static let fetchConcurrency = 4

    /// The tables are profiled at most this often while batches keep coming, and as soon as the queue is idle.
    static let profilePeriod: Duration = .seconds(300)

    struct Counters {
        var lastAppliedAt: Date?
        /// Batches published since the tables were last profiled, and when that was.
        var unprofiled = false
        var lastProfiled = ContinuousClock.now
        var applied = 0
        var attachmentsFailed = 0
    }

    /// What one drain, poll or consistency pass did.
    public struct Report: Sendable, Equatable {
        public var events = 0
        public var upserted = 0
        public var deleted = 0
        /// Events refused (invalid key, not JSON) or ignored (no issue): removed from the queue.
        public var refused = 0
        /// Events left queued for a later retry.
        public var retrying = 0
        /// Issues applied from a webhook's embedded copy because the fetch failed.
        public var fellBack = 0
        public var error: String?

        public init() {}
    }

    /// - Parameter publish: makes the written tables visible (a rebuild of the catalog), with or without profiling
    ///   them; called after each batch that changed something.
    public init(
        settings: JiraSettings, store: JiraShardStore, queue: JiraEventQueue, logger: Logger,
        publish: @escaping @Sendable (_ profiles: Bool) async throws -> Void
    ) {
        self.settings = settings
        self.client = JiraClient(settings: settings)
        self.store = store
        self.queue = queue
        self.logger = logger
        self.publish = publish
        self.stale = JiraStaleKeys(file: store.source.directory.appendingPathComponent("state/stale-keys.json"))
        (attachmentStream, attachmentJobs) = AsyncStream.makeStream(of: JiraIssueRows.self)
        (nudgeStream, nudges) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: - Running

    /// Says an event was queued: the running loop drains soon (nudges while a drain runs are coalesced).
    public func wake() {
        nudges.yield()
    }

    /// Drains the queue at start, whenever woken, and every `rescan` (events queued by another process, such as
    /// `da-server jira backfill`); while events wait for a retry, it waits from 1 s doubling to 60 s first. Downloads
    /// attachments beside. Runs until cancelled.
    public func run(rescan: Duration = .seconds(2)) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.runAttachments() }
            group.addTask {
                while !Task.isCancelled {
                    self.nudges.yield()
                    try? await Task.sleep(for: rescan)
                }
            }
            var backoff: Duration = .zero
            for await _ in nudgeStream {
                if backoff > .zero { try? await Task.sleep(for: backoff) }
                if Task.isCancelled { break }
                let report = await drain()
                backoff = report.retrying > 0 || report.error != nil ? min(max(backoff * 2, .seconds(1)), .seconds(60)) : .zero
                // Quiet again: profile what the batches since the last profile changed.
                let profile =
                    report.events == 0
                    && counters.withLock { counters in
                        defer { counters.unprofiled = false }
                        if counters.unprofiled { counters.lastProfiled = .now }
                        return counters.unprofiled
                    }
                if profile { await publish(profiles: true) }
            }
            group.cancelAll()
        }
    }

    /// Issues applied from an embedded copy, waiting for the consistency pass.
    public var staleKeys: Set<String> { stale.keys }

    // MARK: - The queue

    /// Applies pending events in batches until the queue is empty or what is left must wait for a retry.
    public func drain() async -> Report {
        var report = Report()
        while true {
            let events = await (try? writer.run { [queue] in queue.pending(limit: JiraProcessor.batchLimit) }) ?? []
            guard !events.isEmpty else { break }
            report.events += events.count
            var byKey: [String: [(id: String, event: JiraEvent)]] = [:]
            var finished: [String] = []
            var problem: String?
            for queued in events {
                guard let event = JiraEvent(queued.body) else {
                    report.refused += 1
                    finished.append(queued.id)
                    problem = "event \(queued.id) is not a JSON object; dropped"
                    continue
                }
                guard let key = event.key else {
                    // Events about other things (projects, users, links by id) name no issue.
                    finished.append(queued.id)
                    continue
                }
                guard JiraText.isIssueKey(key) else {
                    report.refused += 1
                    finished.append(queued.id)
                    problem = "event \(queued.id) names \"\(key.prefix(80))\", not a Jira issue key; dropped"
                    logger.warning("refused a Jira event with an invalid issue key", metadata: ["event": "\(queued.id)"])
                    continue
                }
                byKey[key, default: []].append((queued.id, event))
            }
            let fetchStarted = ContinuousClock.now
            let resolved = await resolve(byKey.mapValues { $0.map(\.event) })
            let fetchTime = fetchStarted.duration(to: .now)
            var upserts: [JiraIssueRows] = []
            var deletes: Set<String> = []
            var fellBack: Set<String> = []
            var fetched: Set<String> = []
            for (key, resolution) in resolved {
                switch resolution {
                case .upsert(let rows, let fromFetch, let isFallback):
                    upserts.append(rows)
                    if isFallback { fellBack.insert(key) }
                    if fromFetch { fetched.insert(key) }
                    finished += byKey[key]?.map(\.id) ?? []
                case .delete:
                    deletes.insert(key)
                    finished += byKey[key]?.map(\.id) ?? []
                case .retry(let reason):
                    report.retrying += byKey[key]?.count ?? 0
                    report.error = reason
                }
            }
            logger.debug("fetched Jira issues", metadata: ["issues": "\(resolved.count)", "ms": "\(fetchTime.wholeMilliseconds)"])
            do {
                let applied = try await apply(upserts: upserts, deletes: deletes)
                report.upserted += applied.upserted
                report.deleted += applied.deleted
            } catch {
                report.error = "\(error)"
                queue.recordError("applying Jira events failed (they stay queued): \(error)")
                logger.error("could not apply Jira events", metadata: ["error": "\(error)"])
                return report
            }
            report.fellBack += fellBack.count
            let (added, removed) = (fellBack, fetched.union(deletes))
            try? await files.run { [stale] in stale.update(adding: added, removing: removed) }
            let done = finished
            try? await writer.run { [queue] in queue.complete(done) }
            if let error = report.error, report.retrying > 0 {
                queue.recordError("\(report.retrying) events wait for a retry: \(error)")
                break
            }
            queue.recordError(problem)
        }
        return report
    }

    /// Writes a batch, then publishes it. A failed publish leaves the batch on disk (the next one shows it).
    func apply(upserts: [JiraIssueRows], deletes: Set<String>) async throws -> JiraShardStore.Applied {
        guard !upserts.isEmpty || !deletes.isEmpty else { return .init(upserted: 0, deleted: 0, keptNewer: [], shards: []) }
        let store = self.store
        let started = ContinuousClock.now
        let applied = try await writer.run {
            let applied = try store.apply(upserts: upserts, deletes: deletes)
            if !applied.shards.isEmpty { try store.publishExtract() }
            for key in deletes { store.removeFiles(of: key) }
            return applied
        }
        let written = ContinuousClock.now
        counters.withLock { $0.lastAppliedAt = Date() }
        if !applied.shards.isEmpty {
            let profiles = counters.withLock { counters in
                let due = ContinuousClock.now - counters.lastProfiled >= JiraProcessor.profilePeriod
                counters.unprofiled = !due
                if due { counters.lastProfiled = .now }
                return due
            }
            await publish(profiles: profiles)
        }
        logger.info(
            "applied Jira issues",
            metadata: [
                "upserted": "\(applied.upserted)", "deleted": "\(applied.deleted)", "kept_newer": "\(applied.keptNewer.count)",
                "shards": "\(applied.shards.count)", "write_ms": "\(started.duration(to: written).wholeMilliseconds)",
                "publish_ms": "\(written.duration(to: .now).wholeMilliseconds)",
            ])
        let kept = Set(applied.keptNewer)
        for rows in upserts where !kept.contains(rows.key) && !rows.attachments.isEmpty { attachmentJobs.yield(rows) }
        return applied
    }

    private func publish(profiles: Bool) async {
        do {
            try await publish(profiles)
        } catch {
            logger.error("the Jira tables were written but not published", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Fetching

    enum Resolution: Sendable {
        /// `fromFetch`: Jira's current state; `isFallback`: the event's embedded copy after a failed fetch.
        case upsert(JiraIssueRows, fromFetch: Bool, isFallback: Bool)
        case delete
        case retry(String)
    }

    /// Decides each key: fetched from Jira (404 means deleted), else from a snapshot, else from the deletion or the
    /// embedded copy; with none of those it waits for a retry.
    func resolve(_ events: [String: [JiraEvent]]) async -> [String: Resolution] {
        await withTaskGroup(of: (String, Resolution).self) { group in
            var results: [String: Resolution] = [:]
            var keys = events.keys.sorted()[...]
            func next(_ group: inout TaskGroup<(String, Resolution)>) {
                guard let key = keys.popFirst(), let list = events[key] else { return }
                group.addTask { (key, await self.resolve(key, list)) }
            }
            for _ in 0..<JiraProcessor.fetchConcurrency { next(&group) }
            for await (key, resolution) in group {
                results[key] = resolution
                next(&group)
            }
            return results
        }
    }

    private func resolve(_ key: String, _ events: [JiraEvent]) async -> Resolution {
        let now = Date()
        // A batch of snapshots only: the backfill fetched them just now.
        if events.allSatisfy(\.isSnapshot), let snapshot = events.last, let issue = snapshot.issue {
            let raw = try? await files.run { [store] in try store.writeRaw(key, issue) }
            if let rows = JiraIssueRows(
                issueJSON: issue, remoteLinks: snapshot.remoteLinks, slas: snapshot.slas, site: settings.baseURL, syncedAt: now,
                rawFile: raw)
            {
                return .upsert(rows, fromFetch: true, isFallback: false)
            }
        }
        var failure = "Jira is not configured (JIRA_EMAIL, JIRA_API_TOKEN and JIRA_DOMAIN or JIRA_BASE_URL)"
        if client != nil {
            switch await fetch(key, at: now) {
            case .success(let rows?): return .upsert(rows, fromFetch: true, isFallback: false)
            case .success(nil): return .delete
            case .failure(let error): failure = error.description
            }
        }
        if events.contains(where: \.deletesIssue) { return .delete }
        if let embedded = events.last(where: { $0.issue != nil }), let issue = embedded.issue,
            let rows = JiraIssueRows(
                issueJSON: issue, remoteLinks: embedded.remoteLinks, slas: embedded.slas, site: settings.baseURL, syncedAt: now,
                rawFile: nil)
        {
            if client != nil {
                logger.warning("applied a Jira issue from its webhook copy", metadata: ["issue": "\(key)", "reason": "\(failure)"])
            }
            return .upsert(rows, fromFetch: false, isFallback: client != nil)
        }
        return .retry("\(key): \(failure)")
    }

    /// The issue as Jira has it now, with remote links and (when the service desk is on) SLAs; `nil` when deleted.
    func fetch(_ key: String, at now: Date = Date()) async -> Result<JiraIssueRows?, JiraError> {
        guard let client else { return .failure(JiraError(.failed, "Jira is not configured")) }
        do {
            guard let issue = try await client.issue(key) else { return .success(nil) }
            let links = try await client.remoteLinks(key)
            let slas = settings.serviceDesk ? try await client.slas(key) : nil
            let raw = try? await files.run { [store] in try store.writeRaw(key, issue) }
            guard
                let rows = JiraIssueRows(
                    issueJSON: issue, remoteLinks: links, slas: slas, site: settings.baseURL, syncedAt: now, rawFile: raw)
            else { return .failure(JiraError(.failed, "Jira's answer for \(key) is not an issue")) }
            return .success(rows)
        } catch {
            return .failure(error)
        }
    }

    /// Fetches `keys` and applies them in batches of `batch`; `progress` hears the count done.
    func refresh(_ keys: [String], batch: Int = 200, progress: @Sendable (Int) -> Void = { _ in }) async -> Report {
        var report = Report()
        var done = 0
        for start in stride(from: 0, to: keys.count, by: batch) {
            let chunk = Array(keys[start..<min(keys.count, start + batch)])
            let resolved = await resolve(Dictionary(uniqueKeysWithValues: chunk.map { ($0, [JiraEvent]()) }))
            var upserts: [JiraIssueRows] = []
            var deletes: Set<String> = []
            for (key, resolution) in resolved {
                switch resolution {
                case .upsert(let rows, _, _): upserts.append(rows)
                case .delete: deletes.insert(key)
                case .retry(let reason):
                    report.retrying += 1
                    report.error = reason
                }
            }
            do {
                let applied = try await apply(upserts: upserts, deletes: deletes)
                report.upserted += applied.upserted
                report.deleted += applied.deleted
                let refreshed = Set(upserts.map(\.key)).union(deletes)
                try? await files.run { [stale] in stale.update(adding: [], removing: refreshed) }
            } catch {
                report.error = "\(error)"
                return report
            }
            done += chunk.count
            progress(done)
        }
        return report
    }

    // MARK: - Background passes

    /// The SLA poll: refreshes every stored issue whose status category is not Done (SLA clocks and statuses move
    /// without an event).
    public func pollOpenIssues() async -> Report {
        let store = self.store
        guard client != nil else { return Report() }
        do {
            let open = try await writer.run { try store.issues().filter { $0.value.statusCategory != "Done" }.keys.sorted() }
            let report = await refresh(open)
            logger.info("Jira SLA poll", metadata: ["issues": "\(open.count)", "failed": "\(report.retrying)"])
            return report
        } catch {
            var report = Report()
            report.error = "the stored Jira issues could not be read: \(error)"
            logger.error("Jira SLA poll failed", metadata: ["error": "\(error)"])
            return report
        }
    }

    /// The consistency pass: pages through `jql` (only keys and `updated`), fetches the issues missing locally or
    /// older than Jira's, and those applied from a webhook's copy.
    public func reconcile(jql: String) async -> Report {
        guard let client else { return Report() }
        var remote: [String: Date?] = [:]
        var token: String?
        do {
            repeat {
                let page = try await client.search(jql: jql, fields: ["updated"], nextPageToken: token)
                for issue in page.issues { remote[issue.key] = issue.updated }
                token = page.nextPageToken
            } while token != nil
        } catch {
            var report = Report()
            report.error = "the consistency search failed: \(error)"
            logger.error("Jira consistency pass failed", metadata: ["error": "\(error)"])
            return report
        }
        let store = self.store
        let local = (try? await writer.run { try store.issues() }) ?? [:]
        var wanted = stale.keys
        for (key, updated) in remote {
            guard let mine = local[key] else {
                wanted.insert(key)
                continue
            }
            if let updated, (mine.updated ?? .distantPast) < updated { wanted.insert(key) }
        }
        let report = await refresh(wanted.sorted())
        logger.info(
            "Jira consistency pass",
            metadata: ["remote": "\(remote.count)", "fetched": "\(wanted.count)", "failed": "\(report.retrying)"])
        return report
    }

    // MARK: - Attachments

    /// Downloads attachments of applied issues (up to 50 MB each, only from the Jira site), one at a time, until
    /// cancelled. Files already present with the declared size are kept; files of removed attachments are deleted.
    public func runAttachments() async {
        for await rows in attachmentStream {
            await downloadAttachments(of: rows)
        }
    }

    func downloadAttachments(of rows: JiraIssueRows) async {
        guard let client else { return }
        let folder = store.source.directory.appendingPathComponent("attachments/\(rows.key)", isDirectory: true)
        var keep: Set<String> = []
        for attachment in rows.attachments {
            let target = store.source.directory.appendingPathComponent(attachment.localPath)
            // The local path is built from a validated key, an id and a safe base name; check anyway.
            guard target.deletingLastPathComponent().standardizedFileURL.path == folder.standardizedFileURL.path else { continue }
            keep.insert(target.lastPathComponent)
            let present = (try? await files.run { PartitionedTableWriter.size(target.path) }) ?? 0
            if let size = attachment.size, present == size, size > 0 { continue }
            if let size = attachment.size, size > JiraClient.attachmentLimit {
                logger.info("skipped a Jira attachment over 50 MB", metadata: ["issue": "\(rows.key)", "attachment": "\(attachment.id)"])
                continue
            }
            do {
                _ = try await client.download(attachment.url, to: target)
            } catch {
                logger.warning(
                    "a Jira attachment was not downloaded",
                    metadata: ["issue": "\(rows.key)", "attachment": "\(attachment.id)", "reason": "\(error)"])
            }
        }
        let kept = keep
        try? await files.run {
            // Files of attachments removed in Jira (and partial downloads) go.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where !kept.contains(name) {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }

    /// When a batch last changed the tables (since the process started).
    public var lastAppliedAt: Date? { counters.withLock { $0.lastAppliedAt } }
}

/// The keys applied from a webhook's embedded copy, kept in a small JSON file so a restart still reconciles them.
final class JiraStaleKeys: Sendable {
    let file: URL
    private let cached: Mutex<Set<String>>

    init(file: URL) {
        self.file = file
        let stored = (try? Data(contentsOf: file)).flatMap { try? JSONDecoder().decode([String].self, from: $0) } ?? []
        cached = Mutex(Set(stored.filter(JiraText.isIssueKey)))
    }

    var keys: Set<String> { cached.withLock { $0 } }

    func update(adding: Set<String>, removing: Set<String>) {
        cached.withLock { keys in
            let before = keys
            keys.subtract(removing)
            keys.formUnion(adding)
            guard keys != before else { return }
            try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? JSONEncoder().encode(keys.sorted()).write(to: file, options: .atomic)
        }
    }
}
