import DuckDB
import Foundation

/// The analyst's workspace (`DA_LOCAL_DIR` or the current directory) and where `da sync` puts things in it:
/// `server/` is owned by sync (replaced freely), `user/` and `.claude/` belong to the analyst.
public struct Workspace: Sendable {
    public let root: URL

    public init(path: String) {
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    /// `server/parquet/`: one `<id>.parquet` per synced table.
    public var parquetDirectory: URL { root.appendingPathComponent("server/parquet", isDirectory: true) }
    /// `server/docs/`: metric definitions and table docs from the server.
    public var docsDirectory: URL { root.appendingPathComponent("server/docs", isDirectory: true) }
    /// `server/metadata/profiles.json`: the profiles of the synced tables.
    public var profilesFile: URL { root.appendingPathComponent("server/metadata/profiles.json") }
    /// `server/sync_state.json`: what the last sync installed (hashes, uploads).
    public var stateFile: URL { root.appendingPathComponent("server/sync_state.json") }
    /// `user/duckdb/analytics.duckdb`: the analyst's database, with a view per synced table.
    public var database: URL { root.appendingPathComponent("user/duckdb/analytics.duckdb") }
    /// `user/sessions/`: Claude Code session transcripts (`*.jsonl`) to upload.
    public var sessionsDirectory: URL { root.appendingPathComponent("user/sessions", isDirectory: true) }
    /// `.claude/CLAUDE.local.md`: the analyst's local notes, uploaded for corporate memory.
    public var localNotes: URL { root.appendingPathComponent(".claude/CLAUDE.local.md") }
    /// `.claude/rules/`: Claude Code's rules; `da sync` writes the corporate-memory files there beside the analyst's.
    public var rulesDirectory: URL { root.appendingPathComponent(".claude/rules", isDirectory: true) }

    /// The parquet file of table `id`.
    public func parquet(_ id: String) -> URL { parquetDirectory.appendingPathComponent("\(id).parquet") }
    /// The size of table `id`'s parquet file (or the sum of its partition files), `nil` if there is none (string
    /// paths: this runs for every table on every sync, where building URLs would cost more than the `stat`).
    func parquetSize(_ id: String) -> Int64? {
        Workspace.fileSize(atPath: parquetPath + id + ".parquet") ?? partitionsSize(id)
    }

    /// `server/parquet/<id>/`: a partitioned table's files as its view reads them, `<partition>.<hash prefix>.parquet`
    /// each (a name says which content it holds, so a changed partition is a new file and an unchanged one is never
    /// fetched again). A link to the current version folder `.<id>.v-<uuid>/` of hard links into the pool.
    public func partitionDirectory(_ id: String) -> URL { parquetDirectory.appendingPathComponent(id, isDirectory: true) }

    /// `server/parquet/.<id>.files/`: every partition file of table `id` downloaded and verified (or being downloaded).
    func partitionPool(_ id: String) -> URL { parquetDirectory.appendingPathComponent(".\(id).files", isDirectory: true) }

    /// The pooled file of partition `name` whose content has SHA-256 `hash`.
    public func partitionFile(_ id: String, name: String, hash: String) -> URL {
        partitionPool(id).appendingPathComponent("\(name).\(hash.prefix(16)).parquet")
    }

    /// Makes exactly `files` (pooled partition files) table `id`'s published set: a new version folder of hard links,
    /// the link swapped to it by rename, then older versions and pooled files no longer listed are removed.
    func publishPartitions(_ id: String, files: [URL]) throws {
        let fileManager = FileManager.default
        let versionName = ".\(id).v-\(UUID().uuidString.lowercased())"
        let version = parquetDirectory.appendingPathComponent(versionName, isDirectory: true)
        try fileManager.createDirectory(at: version, withIntermediateDirectories: true)
        for file in files {
            let target = version.appendingPathComponent(file.lastPathComponent).path
            if link(file.path, target) != 0 { try fileManager.copyItem(atPath: file.path, toPath: target) }
        }
        let link = partitionDirectory(id)
        let temporary = parquetDirectory.appendingPathComponent(".\(id).link.tmp").path
        try? fileManager.removeItem(atPath: temporary)
        try fileManager.createSymbolicLink(atPath: temporary, withDestinationPath: versionName)
        if (try? fileManager.destinationOfSymbolicLink(atPath: link.path)) == nil {
            try? fileManager.removeItem(at: link)  // a folder from an older layout
        }
        guard rename(temporary, link.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? fileManager.removeItem(atPath: temporary)
            try? fileManager.removeItem(at: version)
            throw ClientError.badLocalFile(path: link.path, reason: reason)
        }
        let wanted = Set(files.map(\.lastPathComponent))
        let entries = (try? fileManager.contentsOfDirectory(atPath: parquetDirectory.path)) ?? []
        for name in entries where name.hasPrefix(".\(id).v-") && name != versionName {
            try? fileManager.removeItem(at: parquetDirectory.appendingPathComponent(name))
        }
        for name in (try? fileManager.contentsOfDirectory(atPath: partitionPool(id).path)) ?? [] where !wanted.contains(name) {
            guard !name.hasSuffix(".part") else { continue }  // a download to resume
            try? fileManager.removeItem(at: partitionPool(id).appendingPathComponent(name))
        }
    }

    /// Removes table `id`'s partitions: the link, its versions and its pool. Nothing to do (and no listing of a
    /// folder of thousands of files) when the table has neither link nor pool.
    func removePartitions(_ id: String) {
        var info = stat()
        guard lstat(partitionDirectory(id).path, &info) == 0 || lstat(partitionPool(id).path, &info) == 0 else { return }
        let fileManager = FileManager.default
        try? fileManager.removeItem(at: partitionDirectory(id))
        for name in (try? fileManager.contentsOfDirectory(atPath: parquetDirectory.path)) ?? [] where name.hasPrefix(".\(id).") {
            try? fileManager.removeItem(at: parquetDirectory.appendingPathComponent(name))
        }
    }

    /// Whether a partition name and hash from the server are safe to use in a file name (letters, digits, `-`, `_`;
    /// a hex hash), so a manifest can never name a path outside the table's folder.
    static func isSafePartition(name: String, hash: String) -> Bool {
        !name.isEmpty && name.count <= 32
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
            && hash.count >= 16 && hash.allSatisfy(\.isHexDigit)
    }

    /// Whether every listed partition's file is here with its size (always true for a table in one file).
    func hasPartitions(_ id: String, _ partitions: [String: Manifest.Partition]?) -> Bool {
        guard let partitions, !partitions.isEmpty else { return true }
        let published = ((try? FileManager.default.contentsOfDirectory(atPath: partitionDirectory(id).path)) ?? [])
            .filter { $0.hasSuffix(".parquet") }
        guard published.count == partitions.count else { return false }
        return partitions.allSatisfy { name, partition in
            let file = partitionDirectory(id).appendingPathComponent(partitionFile(id, name: name, hash: partition.hash).lastPathComponent)
            return Workspace.fileSize(file) == partition.size_bytes
        }
    }

    /// Whether `name` in `server/parquet/` is a partition folder.
    func isPartitionDirectory(_ name: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: parquetPath + name, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Calls `body` with a function that answers as `parquetSize` does, looking each file up relative to the open
    /// `server/parquet` folder: one path component instead of the whole path (for 10,000 tables, the path walks were
    /// most of the kernel's share of a no-change sync). Blocking.
    func withParquetSizes<T>(_ body: ((String) -> Int64?) -> T) -> T {
        let folder = open(parquetPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { return body(parquetSize) }
        defer { close(folder) }
        return body { id in Workspace.fileSize(atPath: id + ".parquet", relativeTo: folder) ?? partitionsSize(id) }
    }

    /// The sum of the `*.parquet` files in table `id`'s partition folder, `nil` when it has none.
    private func partitionsSize(_ id: String) -> Int64? {
        let folder = parquetPath + id
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        let sizes = names.filter { $0.hasSuffix(".parquet") }.compactMap { Workspace.fileSize(atPath: folder + "/" + $0) }
        return sizes.isEmpty ? nil : sizes.reduce(0, +)
    }
    private var parquetPath: String { root.path + "/server/parquet/" }
    /// Where a download of table `id` is written until it is verified.
    public func partial(_ id: String) -> URL { parquetDirectory.appendingPathComponent("\(id).parquet.part") }

    /// Opens the analyst's database read-only: `noLocalDatabase` when there is none yet, `badLocalFile` when it does
    /// not open (another program holds it, or it is damaged). Blocking (DuckDB).
    public func openDatabaseReadOnly() throws -> Connection {
        guard FileManager.default.fileExists(atPath: database.path) else { throw ClientError.noLocalDatabase(path: database.path) }
        do {
            return try Database(path: database.path, configuration: .init(accessMode: .readOnly)).connect()
        } catch let error as DuckDBError {
            throw databaseUnavailable(error)
        }
    }

    /// Why the analyst's database did not open, worded for the person at the terminal.
    func databaseUnavailable(_ error: DuckDBError) -> ClientError {
        let inUse = error.description.contains("lock")
        return ClientError.badLocalFile(
            path: database.path, reason: inUse ? "another program has it open (close it, then try again)" : error.description)
    }

    /// Creates the directories sync writes into.
    public func prepare() throws {
        for directory in [parquetDirectory, docsDirectory, profilesFile.deletingLastPathComponent(), database.deletingLastPathComponent()] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }

    /// The size of a regular file, `nil` if there is none.
    static func fileSize(_ url: URL) -> Int64? { fileSize(atPath: url.path) }

    /// The size of the regular file at `path`, relative to the open folder `folder` when the path is relative.
    static func fileSize(atPath path: String, relativeTo folder: Int32 = AT_FDCWD) -> Int64? {
        var info = stat()
        guard fstatat(folder, path, &info, 0) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// Writes all of `bytes` at `offset` of an open file, through short writes and interrupts; false on an error
    /// (`errno` says which). Blocking.
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, at offset: Int64) -> Bool {
        guard let base = bytes.baseAddress else { return true }  // nothing to write
        var done = 0
        while done < bytes.count {
            let count = pwrite(descriptor, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            done += count
        }
        return true
    }

    /// Writes `data` to `url` through a temporary file and a rename, so a reader never sees half a file.
    /// Not synced to disk: everything under `server/` is a copy of the server's data that the next sync checks and
    /// fetches again (an fsync per file was a third of a cold sync on this machine's disk; see docs/performance.md).
    static func writeAtomically(_ data: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        func fail(_ path: String) -> ClientError {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            return ClientError.badLocalFile(path: path, reason: reason)
        }
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw fail(temporary.path) }
        guard data.withUnsafeBytes({ Workspace.writeAll($0, to: descriptor, at: 0) }) else {
            let error = fail(temporary.path)
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw fail(temporary.path) }
        guard rename(temporary.path, url.path) == 0 else { throw fail(url.path) }
    }
}
