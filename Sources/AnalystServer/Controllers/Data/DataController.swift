import AnalystCore
import Foundation
import Hummingbird

/// `GET`/`HEAD /api/data/{id}/download[?partition=<name>]`: a table's parquet file (or one partition's file of a
/// partitioned table), access-checked first, with a strong ETag (the
/// SHA-256 of the file), `If-None-Match` → 304 and single `Range` requests → 206, streamed from disk: with
/// `zeroCopy`, by `sendfile(2)` (`FileRegionWriter`), otherwise in 1 MiB chunks.
struct DataController {
    let manifest: SyncManifest
    let accessPolicy: AccessPolicy
    let directory: DataDirectory
    /// Only when the server's pipeline has a `FileRegionInstaller` (not in in-process router tests).
    let zeroCopy: Bool
    let fileIO = FileIO()

    /// The directory under which downloads live (every source's extract), ending in `/`.
    static func fileRoot(_ directory: DataDirectory) -> String {
        let path = directory.extracts.standardizedFileURL.path
        return path.hasSuffix("/") ? path : path + "/"
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(":id/download") { request, context in try await download(request, context: context, body: true) }
        group.head(":id/download") { request, context in try await download(request, context: context, body: false) }
    }

    func download(_ request: Request, context: AppRequestContext, body: Bool) async throws -> Response {
        let id = try context.parameters.require("id")
        let user = try context.requireUser()
        guard try await accessPolicy.canAccessTable(user, id) else {
            throw APIError(.forbidden, "Access denied to this table")
        }
        guard let table = manifest.table(id), let source = table.source else {
            throw APIError(.notFound, "Table '\(id)' not found")
        }
        guard table.queryMode == .local else {
            throw APIError(
                .conflict,
                "\(id) is a remote table; query it with POST /api/query (or `da query --remote`) instead of downloading it")
        }
        let extract = ExtractSource(name: source, in: directory.extracts)
        let path: String
        let hash: String
        let filename: String
        switch (request.uri.queryParameters.get("partition"), table.partitions.isEmpty) {
        case (nil, true):
            (path, hash, filename) = (extract.parquetFile(for: id).standardizedFileURL.path, table.hash, "\(id).parquet")
        case (nil, false):
            throw APIError(.conflict, "\(id) is partitioned; download each partition with ?partition=<name> (listed in the manifest)")
        case (let name?, _):
            // Only a name the manifest lists reaches the disk, so the parameter can never name another path.
            guard let partition = table.partitions.first(where: { $0.name == name }) else {
                throw APIError(.notFound, "Partition '\(name)' of '\(id)' not found")
            }
            let file = extract.partitionDirectory(for: id).appendingPathComponent(partition.name + ".parquet")
            (path, hash, filename) = (file.standardizedFileURL.path, partition.hash, "\(id).\(partition.name).parquet")
        }
        guard let size = DataController.fileSize(path) else { throw APIError(.notFound, "Table '\(id)' not found") }
        let etag = "\"\(hash)\""
        var headers: HTTPFields = [
            .eTag: etag, .acceptRanges: "bytes", .contentType: "application/octet-stream",
            .contentDisposition: "attachment; filename=\"\(filename)\"",
        ]
        if let match = request.headers[.ifNoneMatch], DataController.matches(match, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        var range: ClosedRange<Int>?
        if let header = request.headers[.range] {
            switch DataController.parseRange(header, size: size) {
            case .whole:
                break
            case .part(let part):
                range = part
            case .unsatisfiable:
                headers[.contentRange] = "bytes */\(size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
        }
        let length = range.map { $0.count } ?? size
        headers[.contentLength] = String(length)
        if let range { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }
        let status: HTTPResponse.Status = range == nil ? .ok : .partialContent
        guard body, length > 0 else { return Response(status: status, headers: headers) }
        if zeroCopy {
            headers[FileRegionMark.field] = FileRegionMark.value(path: path, offset: range?.lowerBound ?? 0, length: length)
            return Response(status: status, headers: headers)
        }
        let content = try await fileIO.loadFile(path: path, range: range ?? 0...(size - 1), context: context, chunkLength: 1 << 20)
        return Response(status: status, headers: headers, body: content)
    }

    static func fileSize(_ path: String) -> Int? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.type] as? FileAttributeType) == .typeRegular
        else { return nil }
        return (attributes[.size] as? NSNumber)?.intValue
    }

    /// Whether an `If-None-Match` value names `etag` (or is `*`); weak validators compare by their tag.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }

    enum RangeRequest: Equatable {
        case whole
        case part(ClosedRange<Int>)
        case unsatisfiable
    }

    /// A single `bytes=` range (`a-b`, `a-`, `-n`); several ranges or another unit are served whole.
    static func parseRange(_ header: String, size: Int) -> RangeRequest {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("bytes="), !text.contains(",") else { return .whole }
        let spec = text.dropFirst("bytes=".count)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .whole }
        let first = parts[0].trimmingCharacters(in: .whitespaces), last = parts[1].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0 else { return .unsatisfiable }
            guard size > 0 else { return .unsatisfiable }
            return .part(max(0, size - suffix)...(size - 1))
        }
        guard let start = Int(first), start >= 0 else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .part(start...(size - 1)) }
        guard let end = Int(last), end >= start else { return .whole }
        return .part(start...min(end, size - 1))
    }
}
