import AnalystAPI
import Crypto
import DuckDB
import Foundation
import JSONWriting
import Synchronization

/// The answer to `GET /api/sync/manifest`, prepared once per change instead of per request: every served table's
/// JSON entry is rendered when the published set changes, and a request only joins the entries its user may read.
/// Nothing here touches the disk or hashes a file while answering.
public final class SyncManifest: Sendable {
    struct Snapshot: Sendable {
        /// Table id → its rendered `"<id>":{…}` member, in id order.
        var entries: [(id: String, json: String)] = []
        var tables: [String: PublishedTable] = [:]
        var docsHash: String?
        var profilesHash: String?
        /// +1 per change of the published tables (what `tablesJSON` renders).
        var version: UInt64 = 0
    }

    private let snapshot = Mutex(Snapshot())

    public init() {}

    /// Replaces the published tables (those with data to serve) and the asset hashes.
    public func update(tables: [PublishedTable], docsHash: String?, profilesHash: String?) {
        var next = Snapshot()
        for table in tables.sorted(by: { $0.id < $1.id }) where table.isServed {
            next.entries.append((table.id, JSONText.quote(table.id) + ":" + SyncManifest.render(table)))
            next.tables[table.id] = table
        }
        next.docsHash = docsHash
        next.profilesHash = profilesHash
        snapshot.withLock {
            next.version = $0.version &+ 1
            $0 = next
        }
    }

    /// Changes only the profiles hash (after profiling).
    public func update(profilesHash: String?) {
        snapshot.withLock { $0.profilesHash = profilesHash }
    }

    /// Every served table, by id.
    public func tables() -> [PublishedTable] {
        snapshot.withLock { Array($0.tables.values) }.sorted { $0.id < $1.id }
    }

    /// The published table `id`, if it is served.
    public func table(_ id: String) -> PublishedTable? {
        snapshot.withLock { $0.tables[id] }
    }

    /// The manifest JSON for a user who may read `readable` tables (`nil`: every table, for admins), with the hash of
    /// the corporate-memory rules that apply to them: `tablesJSON` followed by `tailJSON`.
    public func render(readable: Set<String>?, rulesHash: String? = nil, now: Date = Date()) -> String {
        tablesJSON(readable: readable).json + tailJSON(rulesHash: rulesHash, now: now)
    }

    /// The start of the manifest, `{"tables":{…}`, for a user who may read `readable` tables (`nil`: every table), and
    /// the version of the published tables it was rendered from (a cache of it is valid while `version` is equal).
    public func tablesJSON(readable: Set<String>?) -> (version: UInt64, json: String) {
        // Written by hand: a user's manifest is the join of entries rendered once per change (see docs/performance.md).
        let current = snapshot.withLock { $0 }
        var json = "{\"tables\":{"
        json.reserveCapacity(current.entries.reduce(16) { $0 + $1.json.utf8.count + 1 })
        var first = true
        for entry in current.entries where readable?.contains(entry.id) ?? true {
            if !first { json += "," }
            json += entry.json
            first = false
        }
        json += "}"
        return (current.version, json)
    }

    /// The end of the manifest: `,"assets":{…},"server_time":…}`. An asset without a hash is null, as the contract
    /// declares.
    public func tailJSON(rulesHash: String?, now: Date = Date()) -> String {
        let (docsHash, profilesHash) = snapshot.withLock { ($0.docsHash, $0.profilesHash) }
        func asset(_ hash: String?) -> String { hash.map { "{\"hash\":\(JSONText.quote($0))}" } ?? "null" }
        return ",\"assets\":{\"docs\":\(asset(docsHash)),\"profiles\":\(asset(profilesHash)),\"rules\":\(asset(rulesHash))}"
            + ",\"server_time\":" + JSONText.quote(WireJSONEncoder.timestamp(now)) + "}"
    }

    /// The hash of the stored profiles the manifest announces (`nil`: none).
    public var profilesHash: String? { snapshot.withLock { $0.profilesHash } }

    /// The version of the published tables (+1 per `update(tables:…)`).
    public var version: UInt64 { snapshot.withLock { $0.version } }

    static func render(_ table: PublishedTable) -> String {
        let columns = table.columns.map { "{\"name\":\(JSONText.quote($0.name)),\"type\":\(JSONText.quote($0.type))}" }
        return "{\"hash\":\(JSONText.quote(table.hash)),"
            + "\"updated\":\(table.lastSync.map { JSONText.quote(WireJSONEncoder.timestamp($0)) } ?? "null"),"
            + "\"size_bytes\":\(table.fileSizeBytes),\"rows\":\(table.rows),"
            + "\"query_mode\":\(JSONText.quote(table.queryMode.rawValue)),"
            + "\"columns\":[\(columns.joined(separator: ","))]" + renderPartitions(table.partitions) + "}"
    }

    /// `,"partitions":{"<name>":{"hash":…,"size_bytes":…},…}`, or nothing for a table in one file.
    static func renderPartitions(_ partitions: [PublishedPartition]) -> String {
        guard !partitions.isEmpty else { return "" }
        let members = partitions.sorted { $0.name < $1.name }.map {
            "\(JSONText.quote($0.name)):{\"hash\":\(JSONText.quote($0.hash)),\"size_bytes\":\($0.sizeBytes)}"
        }
        return ",\"partitions\":{\(members.joined(separator: ","))}"
    }

    /// The regular files under `directory`: path relative to it and bytes, sorted by path.
    public static func files(under directory: URL) -> [(path: String, data: Data)] {
        let root = directory.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var files: [(path: String, data: Data)] = []
        for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
            guard let data = try? Data(contentsOf: url) else { continue }
            files.append((String(url.standardizedFileURL.path.dropFirst(root.count + 1)), data))
        }
        return files.sorted { $0.path < $1.path }
    }

    /// A content hash of `files` (paths and bytes); `nil` when there are none.
    public static func hash(of files: [(path: String, data: Data)]) -> String? {
        guard !files.isEmpty else { return nil }
        var hasher = SHA256()
        for file in files {
            hasher.update(data: Data(file.path.utf8))
            hasher.update(data: file.data)
        }
        return Secrets.hex(hasher.finalize())
    }

    /// A content hash of every file under `directory`; `nil` when it holds no files.
    public static func directoryHash(_ directory: URL) -> String? {
        hash(of: files(under: directory))
    }
}
