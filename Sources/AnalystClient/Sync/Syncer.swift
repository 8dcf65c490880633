import AnalystAPI
import AsyncHTTPClient
import DuckDB
import Foundation
import JSONWriting
import NIOCore

/// What `da sync` may be asked to do.
public struct SyncOptions: Sendable {
    /// Only these tables (`--table`); empty: all.
    public var tables: [String] = []
    /// Parallel downloads (`--jobs`).
    public var jobs = 4
    public var docsOnly = false
    public var uploadOnly = false
    public var noUpload = false
    public var dryRun = false
    /// Bytes a second each download may use at most (`--limit-rate`); `nil`: no limit.
    public var bytesPerSecond: Int64?

    public init() {}

    /// Parses a rate such as `500K`, `2M`, `1G` or a plain byte count.
    public static func parseRate(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = text.uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var multiplier: Int64 = 1
        if let last = digits.last, let unit = units[last] {
            multiplier = unit
            digits.removeLast()
        }
        guard let value = Int64(digits), value > 0 else { return nil }
        return value.multipliedReportingOverflow(by: multiplier).overflow ? nil : value * multiplier
    }
}

/// Something worth telling the person watching, as it happens.
public enum SyncEvent: Sendable {
    case downloaded(String, bytes: Int64, resumed: Bool)
    case failed(String, error: String)
    case removed(String)
}

/// What a sync did (or, with `--dry-run`, would do).
public struct SyncReport: Sendable {
    public var dryRun = false
    public var downloaded: [String] = []
    public var skipped: [String] = []
    public var removed: [String] = []
    /// Remote tables: no local view; `da query --remote` reaches them.
    public var remote: [String] = []
    public var errors: [(table: String, error: String)] = []
    /// Synced tables without a view because an analyst's table or view has that name.
    public var clashes: [String] = []
    public var views: Int?
    public var docsUpdated = false
    public var profilesUpdated = false
    /// Whether the corporate-memory rules in `.claude/rules/` changed.
    public var rulesUpdated = false
    public var bytesDownloaded: Int64 = 0
    public var sessionsUploaded: [String] = []
    public var localNotesUploaded = false
    public var uploadErrors: [(file: String, error: String)] = []
    public var uploadsAttempted = false

    /// Whether anything failed (the command then exits 1).
    public var failed: Bool { !errors.isEmpty || !uploadErrors.isEmpty }

    /// The `--json` form (JSON text): the reference's keys (`downloaded`, `skipped`, `errors`) plus `removed`, `uploaded` and more.
    public var json: String {
        func list(_ items: [String]) -> String { "[" + items.map(JSONText.quote).joined(separator: ",") + "]" }
        func failures(_ items: [(String, String)], key: String) -> String {
            "[" + items.map { "{\"error\":\(JSONText.quote($0.1)),\"\(key)\":\(JSONText.quote($0.0))}" }.joined(separator: ",") + "]"
        }
        // Written by hand, keys sorted: a sync over thousands of tables lists them all, and JSONSerialization
        // took longer than the rest of a no-change sync.
        var members = [
            "\"bytes_downloaded\":\(bytesDownloaded)", "\"clashes\":\(list(clashes))", "\"docs_updated\":\(docsUpdated)",
            "\"downloaded\":\(list(downloaded))",
        ]
        if dryRun { members.append("\"dry_run\":true") }
        members += [
            "\"errors\":\(failures(errors.map { ($0.table, $0.error) }, key: "table"))", "\"profiles_updated\":\(profilesUpdated)",
            "\"remote\":\(list(remote))", "\"removed\":\(list(removed))", "\"rules_updated\":\(rulesUpdated)",
            "\"skipped\":\(list(skipped))",
            "\"uploaded\":{\"errors\":\(failures(uploadErrors.map { ($0.file, $0.error) }, key: "file")),"
                + "\"local_md\":\(localNotesUploaded),\"session_files\":\(list(sessionsUploaded)),\"sessions\":\(sessionsUploaded.count)}",
        ]
        return "{" + members.joined(separator: ",") + "}"
    }
}

/// Runs a sync: manifest → plan → parallel verified downloads (the shared assets synced and each table's view made
/// beside them) → removals → views committed → uploads, saving
/// `server/sync_state.json` as tables are installed so an interrupted sync loses nothing it finished.
public struct Syncer: Sendable {
    public let server: String
    public let token: String
    public let workspace: Workspace
    public let progress: SyncProgress
    public let onEvent: @Sendable (SyncEvent) -> Void

    public init(
        server: String, token: String, workspace: Workspace, progress: SyncProgress = SyncProgress(),
        onEvent: @escaping @Sendable (SyncEvent) -> Void = { _ in }
    ) {
        self.server = server
        self.token = token
        self.workspace = workspace
        self.progress = progress
        self.onEvent = onEvent
    }

    /// Runs the sync described by `options`. Throws only when nothing could be done (no manifest, unusable state);
    /// per-table failures are in the report.
    public func run(_ options: SyncOptions) async throws -> SyncReport {
        let jobs = min(max(options.jobs, 1), 32)
        // The shared client keeps up to 8 connections per server; more parallel downloads need a client of their own
        // (which costs a few milliseconds to start and stop, so the usual case does without).
        guard jobs > 8 else { return try await run(options, jobs: jobs, httpClient: .analyst) }
        var configuration = HTTPClient.Configuration.analyst(connectionsPerServer: jobs)
        configuration.timeout.read = .seconds(120)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let report = try await run(options, jobs: jobs, httpClient: httpClient)
            try await httpClient.shutdown()
            return report
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    private func run(_ options: SyncOptions, jobs: Int, httpClient: HTTPClient) async throws -> SyncReport {
        let client = APIClient(server: server, token: token, httpClient: httpClient)
        var state = try LocalSyncState.load(from: workspace.stateFile)
        var report = SyncReport()
        report.dryRun = options.dryRun
        if options.uploadOnly {
            try await upload(client: client, state: &state, report: &report, dryRun: options.dryRun)
            if !options.dryRun { try state.save(to: workspace.stateFile) }
            return report
        }
        let fullSync = options.tables.isEmpty && !options.docsOnly
        // When the sync will likely change tables (a first sync, tables asked for that are not here), the analyst
        // database opens while the manifest is fetched: DuckDB's load and open then overlap the network and the
        // manifest's reading instead of the downloads.
        let databaseMissing = !FileManager.default.fileExists(atPath: workspace.database.path)
        let views = ViewSession(database: LocalDatabase(workspace: workspace))
        var opening: Task<Void, Never>?
        let likelyChangesTables = fullSync ? state.manifest_fingerprint == nil : options.tables.contains { state.tables[$0] == nil }
        if !options.dryRun && !options.docsOnly && likelyChangesTables {
            try workspace.prepare()
            opening = Task { _ = try? await BlockingExecutor.shared.run { views.open() } }
        }
        do {
            let synced = try await sync(
                options, fullSync: fullSync, jobs: jobs, httpClient: httpClient, client: client, state: state, report: report,
                views: views, databaseMissing: databaseMissing)
            await opening?.value
            return synced
        } catch {
            // No DuckDB work is left running when the command ends.
            await opening?.value
            throw error
        }
    }

    /// The sync after the upload-only case: manifest, plan, downloads, views, assets, uploads.
    private func sync(
        _ options: SyncOptions, fullSync: Bool, jobs: Int, httpClient: HTTPClient, client: APIClient, state: LocalSyncState,
        report: SyncReport, views: ViewSession, databaseMissing: Bool
    ) async throws -> SyncReport {
        var state = state
        var report = report
        let body = try await client.send(.GET, "/api/sync/manifest", timeout: .seconds(60))
        let fingerprint = Manifest.fingerprint(of: body)
        if fullSync && !options.dryRun && fingerprint == state.manifest_fingerprint && isIntact(state) {
            // The manifest is the one the last complete sync applied and every file is in place: nothing to fetch.
            report.skipped = state.tables.keys.sorted()
            report.remote = state.remote_tables ?? []
            if !options.noUpload { try await upload(client: client, state: &state, report: &report, dryRun: false) }
            state.last_sync = WireJSONEncoder.timestamp(Date())
            try state.saveKeepingTables(at: workspace.stateFile)
            return report
        }
        let manifest: Manifest
        do {
            manifest = try Manifest.decode(body)
        } catch {
            throw ClientError.server(status: 200, detail: "Failed to fetch manifest: the answer is not a manifest (\(error))")
        }
        let plan = SyncPlan.make(
            manifest: manifest, state: state, workspace: workspace, only: options.tables, includeTables: !options.docsOnly)
        report.skipped = plan.skipped
        report.remote = plan.remote
        report.errors = plan.unknown.map {
            ($0, "not offered by the server: not registered, or you may not read it (see da explore, or ask an admin)")
        }
        if options.dryRun {
            report.downloaded = plan.download
            report.removed = plan.remove
            report.bytesDownloaded = plan.download.reduce(0) { $0 + (manifest.tables[$1]?.size_bytes ?? 0) }
            if !options.noUpload && options.tables.isEmpty && !options.docsOnly {
                try await upload(client: client, state: &state, report: &report, dryRun: true)
            }
            return report
        }
        try workspace.prepare()
        state.server = server
        // The shared assets (docs, profiles, rules) are fetched and written beside the downloads.
        let stateBefore = state
        async let assets = AssetSync(client: client, workspace: workspace).sync(manifest: manifest, state: stateBefore)
        // Each table's view is made as soon as its file is installed, while the others download; all views change in
        // one transaction, committed after the downloads.
        let moved = state.workspace != workspace.root.path
        let (installed, installing) = AsyncStream.makeStream(of: String.self)
        async let viewsMade: Void = {
            for await id in installed { _ = try? await BlockingExecutor.shared.run { views.make(id) } }
        }()
        if plan.changesTables {
            // Until the views are committed, the next sync (should this one stop) makes every view again.
            state.workspace = nil
        }
        var changed = try await download(
            plan.download, manifest: manifest, options: options, jobs: jobs, httpClient: httpClient, installing: installing,
            state: &state, report: &report)
        // Tables the server republished while they were fetched (a Jira batch, a scheduled sync) are fetched again
        // from a fresh manifest, a few times, before they count as failed.
        var refreshed = false
        for _ in 0..<3 where !changed.isEmpty {
            guard let fresh = try? Manifest.decode(try await client.send(.GET, "/api/sync/manifest")) else {
                break
            }
            refreshed = true
            changed = try await download(
                changed.keys.filter { fresh.tables[$0] != nil }.sorted(), manifest: fresh, options: options, jobs: jobs,
                httpClient: httpClient, installing: installing, state: &state, report: &report)
        }
        for (id, message) in changed.sorted(by: { $0.key < $1.key }) {
            report.errors.append((id, message))
            onEvent(.failed(id, error: message))
        }
        for id in plan.remove {
            try? FileManager.default.removeItem(at: workspace.parquet(id))
            try? FileManager.default.removeItem(at: workspace.partial(id))
            workspace.removePartitions(id)
            state.tables[id] = nil
            report.removed.append(id)
            onEvent(.removed(id))
        }
        try state.save(to: workspace.stateFile)

        installing.finish()
        await viewsMade
        if !report.downloaded.isEmpty || !report.removed.isEmpty || moved || databaseMissing || !(state.view_clashes ?? []).isEmpty {
            let tables = Array(state.tables.keys)
            let made = try await BlockingExecutor.shared.run { try views.finish(tables: tables, remakeAll: moved) }
            report.views = made.views
            report.clashes = made.clashes
            state.view_clashes = made.clashes.isEmpty ? nil : made.clashes
        }
        state.workspace = workspace.root.path

        let synced = await assets
        synced.merge(into: &state)
        report.docsUpdated = synced.docsUpdated
        report.profilesUpdated = synced.profilesUpdated
        report.rulesUpdated = synced.rulesUpdated
        report.errors += synced.errors.map { ($0.name, $0.error) }
        if !options.noUpload && fullSync {
            try await upload(client: client, state: &state, report: &report, dryRun: false)
        }
        // Only a complete, clean sync of everything lets the next one stop early on the same manifest.
        state.manifest_fingerprint = fullSync && report.errors.isEmpty && !refreshed ? fingerprint : nil
        state.remote_tables = plan.remote.isEmpty ? nil : plan.remote
        state.last_sync = WireJSONEncoder.timestamp(Date())
        try state.save(to: workspace.stateFile)
        return report
    }

    /// Whether the workspace is exactly what `state` says: every table's file present with its size, no other
    /// parquet files, the views built here and without clashes, docs and profiles present.
    private func isIntact(_ state: LocalSyncState) -> Bool {
        guard state.workspace == workspace.root.path, (state.view_clashes ?? []).isEmpty,
            FileManager.default.fileExists(atPath: workspace.database.path),
            let names = try? FileManager.default.contentsOfDirectory(atPath: workspace.parquetDirectory.path)
        else { return false }
        if state.profiles_hash != nil && !FileManager.default.fileExists(atPath: workspace.profilesFile.path) { return false }
        for name in state.rules_files ?? []
        where !FileManager.default.fileExists(atPath: workspace.rulesDirectory.appendingPathComponent(name).path) {
            return false
        }
        if state.docs_hash != nil && ((try? FileManager.default.contentsOfDirectory(atPath: workspace.docsDirectory.path)) ?? []).isEmpty {
            return false
        }
        let files = names.filter { $0.hasSuffix(".parquet") || (!$0.contains(".") && workspace.isPartitionDirectory($0)) }
        guard files.count == state.tables.count else { return false }
        return workspace.withParquetSizes { size in state.tables.allSatisfy { id, table in size(id) == table.size_bytes } }
    }

    /// Downloads `ids` with at most `jobs` at a time, largest first; records each installed table in `state`
    /// (saved at least once a second, so an interrupted sync keeps what it finished).
    /// Returns the tables that changed on the server while they were fetched, with the message (not yet reported).
    private func download(
        _ ids: [String], manifest: Manifest, options: SyncOptions, jobs: Int, httpClient: HTTPClient,
        installing: AsyncStream<String>.Continuation, state: inout LocalSyncState, report: inout SyncReport
    ) async throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        var changed: [String: String] = [:]
        let ordered = ids.sorted { (manifest.tables[$0]?.size_bytes ?? 0) > (manifest.tables[$1]?.size_bytes ?? 0) }
        progress.plan(tables: ordered.count, bytes: ordered.reduce(0) { $0 + (manifest.tables[$1]?.size_bytes ?? 0) })
        var configured = ParquetDownloader(server: server, token: token, httpClient: httpClient, workspace: workspace, progress: progress)
        configured.bytesPerSecond = options.bytesPerSecond
        let downloader = configured
        var lastSave = ContinuousClock.now
        try await withThrowingTaskGroup(of: (String, Result<ParquetDownloader.Installed, ParquetDownloader.Failure>).self) { group in
            var pending = ordered.makeIterator()
            func start(_ id: String) {
                guard let table = manifest.tables[id] else { return }
                group.addTask {
                    do {
                        return (id, .success(try await downloader.download(id, table: table)))
                    } catch let failure as ParquetDownloader.Failure {
                        return (id, .failure(failure))
                    } catch {
                        return (id, .failure(.retryable("\(error)")))
                    }
                }
            }
            for _ in 0..<jobs {
                guard let id = pending.next() else { break }
                start(id)
            }
            while let (id, result) = try await group.next() {
                switch result {
                case .success(let installed):
                    let rows = manifest.tables[id]?.rows ?? 0
                    state.tables[id] = LocalSyncState.Table(hash: installed.hash, rows: rows, size_bytes: installed.size)
                    report.downloaded.append(id)
                    installing.yield(id)
                    report.bytesDownloaded += installed.transferred
                    onEvent(.downloaded(id, bytes: installed.size, resumed: installed.resumed))
                case .failure(.changed(let message)):
                    changed[id] = message
                case .failure(let failure):
                    report.errors.append((id, failure.description))
                    onEvent(.failed(id, error: failure.description))
                }
                if ContinuousClock.now - lastSave > .seconds(1) {
                    try state.save(to: workspace.stateFile)
                    lastSave = .now
                }
                if let next = pending.next() { start(next) }
            }
        }
        report.downloaded.sort()
        return changed
    }

    private func upload(client: APIClient, state: inout LocalSyncState, report: inout SyncReport, dryRun: Bool) async throws {
        let uploads = await Uploader(client: client, workspace: workspace).upload(state: &state, dryRun: dryRun)
        report.uploadsAttempted = true
        report.sessionsUploaded = uploads.sessions
        report.localNotesUploaded = uploads.localNotes
        report.uploadErrors = uploads.errors
    }
}
