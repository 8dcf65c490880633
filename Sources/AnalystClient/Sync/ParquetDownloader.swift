import AsyncHTTPClient
import Crypto
import DuckDB
import Foundation
import NIOCore
import NIOFileSystem
import NIOHTTP1

/// Downloads one table's parquet file (or its partition files) into `server/parquet/<id>.parquet.part`, resuming a previous partial
/// download with `Range`, verifies its SHA-256 against the server's strong ETag (the manifest's hash), and only
/// then renames it into place. A corrupt or short download is retried from zero and never installed.
public struct ParquetDownloader: Sendable {
    /// A table's installed file: what the sync state records.
    public struct Installed: Sendable, Equatable {
        public var hash: String
        public var size: Int64
        /// Bytes that came over the network (less than `size` when a partial download was resumed).
        public var transferred: Int64
        public var resumed: Bool
    }

    /// Why a download failed.
    public enum Failure: Error, CustomStringConvertible {
        /// Worth another attempt: network trouble, a short or corrupt file.
        case retryable(String)
        /// Not worth retrying: the server refused (403, 404, 409 …) or the disk failed.
        case final(String)
        /// The server published a new version while it was being fetched: worth another try with a fresh manifest.
        case changed(String)

        public var description: String {
            switch self {
            case .retryable(let message), .final(let message), .changed(let message): return message
            }
        }
    }

    public let server: String
    public let token: String
    public let httpClient: HTTPClient
    public let workspace: Workspace
    public let progress: SyncProgress
    public var attempts = 3
    /// At most this many bytes a second per download (`--limit-rate`); `nil`: as fast as possible.
    public var bytesPerSecond: Int64?

    public init(server: String, token: String, httpClient: HTTPClient, workspace: Workspace, progress: SyncProgress) {
        self.server = server
        self.token = token
        self.httpClient = httpClient
        self.workspace = workspace
        self.progress = progress
    }

    /// One file to fetch: where from, where to, and what it must be.
    struct Target: Sendable {
        /// The progress key (the table id, or `<id>/<partition>`).
        var key: String
        var url: String
        var partial: URL
        var final: URL
        var hash: String
        var size: Int64
        /// The file must have exactly `hash` (a partition file is named by it), not whatever the server now serves.
        var exact = false
    }

    /// Downloads and installs table `id` (described by the manifest entry `table`): its file, or for a partitioned
    /// table the partition files it does not have yet (then the files of partitions no longer listed go).
    public func download(_ id: String, table: Manifest.Table) async throws -> Installed {
        do {
            let installed: Installed
            if let partitions = table.partitions, !partitions.isEmpty {
                installed = try await downloadPartitions(id, table: table, partitions: partitions)
            } else {
                installed = try await fetch(
                    Target(
                        key: id, url: "\(server)/api/data/\(id)/download", partial: workspace.partial(id),
                        final: workspace.parquet(id), hash: table.hash, size: table.size_bytes))
                // A table that was partitioned before is one file now.
                workspace.removePartitions(id)
            }
            progress.finish(id, succeeded: true)
            return installed
        } catch {
            progress.finish(id, succeeded: false)
            throw error
        }
    }

    /// Fetches the partitions the workspace lacks into the table's file pool, then publishes the set at once: a new
    /// version folder of hard links, and `server/parquet/<id>` (a link the view reads) swapped to it by rename, so a
    /// query never sees half a sync, and an interrupted sync leaves the old set in place.
    private func downloadPartitions(_ id: String, table: Manifest.Table, partitions: [String: Manifest.Partition]) async throws
        -> Installed
    {
        for (name, partition) in partitions where !Workspace.isSafePartition(name: name, hash: partition.hash) {
            throw Failure.final("the server listed a partition \"\(name)\" of \(id) that is not a safe file name")
        }
        let pool = workspace.partitionPool(id)
        do {
            try FileManager.default.createDirectory(at: pool, withIntermediateDirectories: true)
        } catch {
            throw Failure.final("cannot create \(pool.path): \(error.localizedDescription)")
        }
        var total = Installed(hash: table.hash, size: 0, transferred: 0, resumed: false)
        for (name, partition) in partitions.sorted(by: { $0.key < $1.key }) {
            let final = workspace.partitionFile(id, name: name, hash: partition.hash)
            total.size += partition.size_bytes
            if Workspace.fileSize(final) == partition.size_bytes { continue }
            let key = "\(id)/\(name)"
            let query = name.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? name
            do {
                let installed = try await fetch(
                    Target(
                        key: key, url: "\(server)/api/data/\(id)/download?partition=\(query)",
                        partial: URL(fileURLWithPath: final.path + ".part"), final: final, hash: partition.hash,
                        size: partition.size_bytes, exact: true))
                progress.settle(key, succeeded: true)
                total.transferred += installed.transferred
                total.resumed = total.resumed || installed.resumed
            } catch {
                progress.settle(key, succeeded: false)
                throw error
            }
        }
        do {
            try workspace.publishPartitions(id, files: partitions.map { workspace.partitionFile(id, name: $0.key, hash: $0.value.hash) })
        } catch {
            throw Failure.final("cannot publish the partitions of \(id): \(error.localizedDescription)")
        }
        // The single file of a table that was one file before.
        try? FileManager.default.removeItem(at: workspace.parquet(id))
        return total
    }

    /// Fetches one file with retries.
    private func fetch(_ target: Target) async throws -> Installed {
        var lastFailure = Failure.retryable("not attempted")
        for attempt in 1...max(1, attempts) {
            do {
                return try await attemptDownload(target)
            } catch let failure as Failure {
                lastFailure = failure
                guard case .retryable = failure, attempt < attempts else { break }
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
        throw lastFailure
    }

    private func attemptDownload(_ target: Target) async throws -> Installed {
        let id = target.key
        let partial = target.partial
        var have = Workspace.fileSize(partial) ?? 0
        if have > target.size { have = 0 }
        var hasher = SHA256()
        if have > 0 {
            do {
                have = try await hashPrefix(of: partial, length: have, into: &hasher)
            } catch {
                have = 0
                hasher = SHA256()
            }
        }
        progress.begin(id, alreadyHave: have, total: target.size)

        var expectedHash = target.hash
        var total = target.size
        var offset = have
        var transferred: Int64 = 0
        if have < target.size || target.size == 0 {
            var headers = HTTPHeaders([("Authorization", "Bearer \(token)"), ("User-Agent", "da")])
            if have > 0 { headers.add(name: "Range", value: "bytes=\(have)-") }
            let file: FileSink
            do {
                file = try await FileSink.opening(partial.path)
            } catch let failure as Failure {
                throw failure
            } catch {
                throw Failure.final("cannot write \(partial.path): \(error)")
            }
            let receiver = FileDownload(
                file: file, resumeAt: have, hasher: hasher, key: id, progress: progress, bytesPerSecond: bytesPerSecond)
            let outcome: FileDownload.Outcome
            do {
                let request = try HTTPClient.Request(url: target.url, method: .GET, headers: headers)
                outcome = try await httpClient.execute(request: request, delegate: receiver, deadline: .now() + .hours(6)).get()
                (hasher, offset) = try await receiver.flush()
                await file.closeFile()
            } catch {
                // What arrived is written (kept for resuming) and no write is left running when the file is closed.
                _ = try? await receiver.flush()
                await file.closeFile()
                throw error as? Failure ?? Failure.retryable("download failed: \(APIClient.describe(error))")
            }
            let head = outcome.head
            let status = Int(head.status.code)
            guard status == 200 || status == 206 else {
                let detail = outcome.errorBody.flatMap { APIClient.errorDetail(in: Data(buffer: $0)) }
                let message = "\(detail ?? head.status.reasonPhrase) (HTTP \(status))"
                throw status >= 500 ? Failure.retryable(message) : Failure.final(message)
            }
            if let etag = head.headers.first(name: "ETag") {
                expectedHash = etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"W/"))
            }
            if status == 200 {
                total = head.headers.first(name: "Content-Length").flatMap { Int64($0) } ?? target.size
            } else if let range = head.headers.first(name: "Content-Range"), let parsed = ParquetDownloader.contentRange(range) {
                total = parsed.total
            }
            transferred = outcome.transferred
        }
        let hash = hasher.finalize().hexString
        guard offset == total else {
            throw Failure.retryable("short download: \(offset) of \(total) bytes")
        }
        guard hash == expectedHash else {
            try? FileManager.default.removeItem(at: partial)
            throw Failure.retryable("the downloaded file does not match its SHA-256 (\(hash.prefix(12))… ≠ \(expectedHash.prefix(12))…)")
        }
        guard !target.exact || hash == target.hash else {
            try? FileManager.default.removeItem(at: partial)
            throw Failure.changed("\(id) changed on the server during the sync; run da sync again")
        }
        guard rename(partial.path, target.final.path) == 0 else {
            throw Failure.final("cannot install \(target.final.path): \(String(cString: strerror(errno)))")
        }
        return Installed(hash: hash, size: total, transferred: transferred, resumed: offset > transferred)
    }

    /// Feeds the first `length` bytes of `file` to `hasher`; returns how many it read.
    private func hashPrefix(of file: URL, length: Int64, into hasher: inout SHA256) async throws -> Int64 {
        var digest = hasher
        var read: Int64 = 0
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(file.path)) { handle in
            for try await chunk in handle.readChunks(in: 0..<length, chunkLength: .mebibytes(1)) {
                chunk.withUnsafeReadableBytes { digest.update(bufferPointer: $0) }
                read += Int64(chunk.readableBytes)
            }
        }
        hasher = digest
        return read
    }

    /// `bytes START-END/TOTAL` → start and total.
    static func contentRange(_ header: String) -> (start: Int64, total: Int64)? {
        let parts = header.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "/" })
        guard parts.count == 4, parts[0] == "bytes", let start = Int64(parts[1]), let total = Int64(parts[3]) else { return nil }
        return (start, total)
    }
}
