import DuckDB
import Foundation
import Logging
import Synchronization

/// Where a notification goes besides the system database: Telegram, WebSocket clients.
public protocol NotificationSink: Sendable {
    /// The channel's name (`telegram`, `websocket`).
    var channel: String { get }
    /// Delivers `notification` (with its image, if any) to `user`'s linked channel; failures are the sink's to log.
    func deliver(_ notification: ScriptStore.Notification, image: Data?, to user: User) async
}

/// Runs a script for its owner — ad hoc, by id, on its schedule, from Telegram — and follows the output contract:
/// the run reads only the tables its owner may read, is recorded in `script_runs`, and a `notify: true` answer is
/// stored and delivered to every linked channel unless the script's cooldown for that user still holds.
public final class ScriptRunner: Sendable {
    public let store: ScriptStore
    public let sandbox: ScriptSandbox
    let accessPolicy: AccessPolicy
    let manifest: SyncManifest
    let directory: DataDirectory
    let logger: Logger
    private let sinks = Mutex<[any NotificationSink]>([])

    public init(
        store: ScriptStore, sandbox: ScriptSandbox, accessPolicy: AccessPolicy, manifest: SyncManifest, directory: DataDirectory,
        logger: Logger
    ) {
        self.store = store
        self.sandbox = sandbox
        self.accessPolicy = accessPolicy
        self.manifest = manifest
        self.directory = directory
        self.logger = logger
    }

    /// Adds a channel notifications are delivered to.
    public func addSink(_ sink: any NotificationSink) {
        sinks.withLock { $0.append(sink) }
    }

    /// Where notification images are kept (served to their owners only).
    public var imagesFolder: URL { directory.root.appendingPathComponent("notifications/images", isDirectory: true) }

    /// What a run did.
    public struct Outcome: Sendable {
        public var run: ScriptStore.Run
        public var result: ScriptSandbox.Result
        /// The notification it stored and delivered, if it did.
        public var notification: ScriptStore.Notification?
        /// Why its output did not count as a notification (not the contract), if so.
        public var outputError: String?
        /// `notify: true` but the cooldown still held.
        public var coolingDown: Bool
    }

    /// Runs `source` as `owner`'s script; throws `ScriptSandbox.Unavailable` where scripts cannot run. A notification
    /// goes to every channel but `skipping` (the channel that asked for the run answers it itself).
    public func run(
        source: String, name: String, scriptID: String?, owner: User, trigger: String, skipping: String? = nil
    ) async throws -> Outcome {
        let started = Date()
        let folder = sandbox.workRoot.appendingPathComponent("data-" + UUID().uuidString.lowercased(), isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let mounts = try await dataMounts(for: owner, in: folder)
        let result = try await sandbox.run(source: source, data: mounts)
        var outcome = Outcome(
            run: ScriptStore.Run(
                scriptID: scriptID, ownerID: owner.id, name: name, trigger: trigger, startedAt: started,
                durationMilliseconds: Int(result.duration / .milliseconds(1)),
                exitCode: result.exitCode, outputBytes: result.outputBytes, truncated: result.truncated, notified: false,
                killedBy: result.killedBy?.rawValue, error: nil),
            result: result, notification: nil, outputError: nil, coolingDown: false)
        if let limit = result.killedBy {
            outcome.run.error = "stopped by the \(limit.rawValue.replacingOccurrences(of: "_", with: " ")) limit"
        } else if result.exitCode != 0 {
            outcome.run.error = "exited with \(result.exitCode.map(String.init) ?? "a signal")"
        }
        if result.exitCode == 0 {
            do {
                if let output = try ScriptOutput(stdout: result.stdout), output.notify {
                    try await notify(
                        output, result: result, scriptID: scriptID, name: name, owner: owner, skipping: skipping, outcome: &outcome)
                }
            } catch let error as ScriptOutput.Invalid {
                outcome.outputError = error.description
                outcome.run.error = error.description
            }
        }
        do {
            try await store.record(outcome.run)
        } catch {
            logger.error("could not record a script run", metadata: ["script": "\(name)", "error": "\(error)"])
        }
        return outcome
    }

    private func notify(
        _ output: ScriptOutput, result: ScriptSandbox.Result, scriptID: String?, name: String, owner: User, skipping: String?,
        outcome: inout Outcome
    ) async throws {
        // Ad-hoc runs have no id: their cooldown is kept under the name.
        let key = scriptID ?? "adhoc:" + name
        guard try await store.claimCooldown(scriptID: key, userID: owner.id, cooldown: output.cooldown) else {
            outcome.coolingDown = true
            return
        }
        var imageFile: String?
        if let image = result.image {
            let file = UUID().uuidString.lowercased() + (image.starts(with: [0x89, 0x50]) ? ".png" : ".jpg")
            try FileManager.default.createDirectory(at: imagesFolder, withIntermediateDirectories: true)
            try image.write(to: imagesFolder.appendingPathComponent(file))
            imageFile = file
        }
        let notification = ScriptStore.Notification(
            id: UUID().uuidString.lowercased(), userID: owner.id, scriptID: scriptID, scriptName: name, title: output.title,
            message: output.message ?? "", imageFile: imageFile, data: output.data, createdAt: Date())
        try await store.store(notification)
        outcome.notification = notification
        outcome.run.notified = true
        for sink in sinks.withLock({ $0 }) where sink.channel != skipping {
            await sink.deliver(notification, image: result.image, to: owner)
        }
    }

    /// A DuckDB file with one view per local table `user` may read, over its parquet file(s), which are mounted
    /// read-only at their own paths so the views work inside the sandbox.
    func dataMounts(for user: User, in folder: URL) async throws -> ScriptSandbox.DataMounts {
        let tables = manifest.tables().filter { $0.queryMode == .local && $0.source != nil }
        let readable = try await accessPolicy.accessibleTables(for: user, among: tables.map(\.id))
        var views: [(name: String, pattern: String)] = []
        var paths: [String] = []
        for table in tables where readable?.contains(table.id) ?? true {
            guard let source = table.source else { continue }
            let extract = ExtractSource(name: source, in: directory.extracts)
            if table.partitions.isEmpty {
                let file = extract.parquetFile(for: table.id).path
                guard FileManager.default.fileExists(atPath: file) else { continue }
                views.append((table.id, file))
                paths.append(file)
            } else {
                let partitions = extract.partitionDirectory(for: table.id).path
                guard FileManager.default.fileExists(atPath: partitions) else { continue }
                views.append((table.id, partitions + "/*.parquet"))
                paths.append(partitions)
            }
        }
        let database = folder.appendingPathComponent("analytics.duckdb")
        let chosen = views
        try await BlockingExecutor.shared.run {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let db = try Database(path: database.path)
            let connection = try db.connect()
            for view in chosen {
                let name = "\"" + view.name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                let path = "'" + view.pattern.replacingOccurrences(of: "'", with: "''") + "'"
                try connection.execute("CREATE VIEW \(name) AS SELECT * FROM read_parquet(\(path))")
            }
            try connection.execute("CHECKPOINT")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: database.path)
        }
        return ScriptSandbox.DataMounts(database: database, paths: paths)
    }
}
