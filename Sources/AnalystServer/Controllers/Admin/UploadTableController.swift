import AnalystAPI
import AnalystCore
import Connectors
import Foundation
import Hummingbird
import Synchronization

/// `POST /api/admin/tables/{id}/upload` (admin): a CSV or parquet file for a registered table of the files source,
/// streamed to `inbox/`, converted and published before the answer (201 with rows, size and hash).
struct UploadTableController {
    let registry: TableRegistry
    let jobs: SyncJobs
    let manifest: SyncManifest
    let directory: DataDirectory
    let maxBytes: Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post(":id/upload") { request, context -> WireResponse<Schemas.TableUpload> in
            try await upload(request, id: try context.parameters.require("id"), context: context)
        }
    }

    func upload(_ request: Request, id: String, context: AppRequestContext) async throws -> WireResponse<Schemas.TableUpload> {
        guard let table = try await registry.find(id: id) else {
            throw APIError(.notFound, "Table '\(id)' is not registered; register it with POST /api/admin/register-table first")
        }
        guard table.sourceType == nil || table.sourceType == FilesSource.sourceName else {
            throw APIError(
                .conflict,
                "Table '\(id)' comes from source \"\(table.sourceType ?? "")\"; only tables of the files source take uploads")
        }
        if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared > maxBytes {
            throw tooLarge
        }
        let format = try format(of: request)
        let partial = directory.inbox.appendingPathComponent(".\(id).upload")
        try await receive(request, into: partial, context: context)
        let sniffed = format ?? UploadTableController.sniff(partial)
        let inboxFile = directory.inbox.appendingPathComponent("\(id).\(sniffed)")
        guard rename(partial.path, inboxFile.path) == 0 else {
            try? FileManager.default.removeItem(at: partial)
            throw APIError(.internalServerError, "could not store the upload: \(String(cString: strerror(errno)))")
        }
        if table.sourceType == nil {
            try await registry.update(id: id, Schemas.TableChanges(sourceType: FilesSource.sourceName))
        }
        let job = jobs.trigger(tables: [id])
        guard let finished = await jobs.wait(for: job.id) else {
            throw APIError(.internalServerError, "the sync job disappeared")
        }
        if let error = finished.errors[id] {
            try? FileManager.default.removeItem(at: inboxFile)
            throw APIError(.unprocessableContent, "The file could not be read: \(error)")
        }
        guard finished.status == .succeeded, let published = manifest.table(id) else {
            throw APIError(.internalServerError, "publishing failed: \(finished.errors.values.sorted().joined(separator: "; "))")
        }
        return WireResponse(
            .init(
                tableId: id, rows: published.rows, sizeBytes: published.fileSizeBytes, hash: published.hash,
                columns: published.columns.map(Schemas.Column.init), jobId: job.id),
            status: .created)
    }

    /// `?format=csv|parquet` wins; else the content type; else the file's first bytes decide.
    private func format(of request: Request) throws -> String? {
        if let format = request.uri.queryParameters["format"].map({ String($0).lowercased() }) {
            guard format == "csv" || format == "parquet" else {
                throw APIError(.unprocessableContent, "format must be csv or parquet, got \"\(format)\"")
            }
            return format
        }
        switch request.headers[.contentType]?.lowercased() {
        case .some(let type) where type.hasPrefix("text/csv"): return "csv"
        case .some(let type) where type.contains("parquet"): return "parquet"
        default: return nil
        }
    }

    /// Streams the body to `file` (on NIO's file threads), refusing (and removing) it past the size limit.
    private func receive(_ request: Request, into file: URL, context: AppRequestContext) async throws {
        let counted = SizeLimitedBody(base: request.body, limit: maxBytes)
        do {
            try await FileIO().writeFile(contents: counted, path: file.path, context: context)
        } catch {
            try? FileManager.default.removeItem(at: file)
            if error is SizeLimitedBody.TooLarge || counted.exceeded {
                throw tooLarge
            }
            throw error
        }
        guard (DataController.fileSize(file.path) ?? 0) > 0 else {
            try? FileManager.default.removeItem(at: file)
            throw APIError(.unprocessableContent, "The upload is empty: send the file as the request body")
        }
    }

    private var tooLarge: APIError {
        APIError(.contentTooLarge, "The file is larger than the upload limit of \(maxBytes >> 20) MB (data.max_upload_mb)")
    }

    /// Parquet files start with `PAR1`; anything else is read as CSV.
    static func sniff(_ file: URL) -> String {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { return "csv" }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic == Data("PAR1".utf8) ? "parquet" : "csv"
    }
}

/// A request body that throws `TooLarge` once more than `limit` bytes have passed. `exceeded` remembers it, because
/// a file writer may wrap the error it receives from the body.
struct SizeLimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    struct TooLarge: Error {}

    let base: RequestBody
    let limit: Int64
    private let overflow = OverflowFlag()

    /// Set once by the iterator; shared by every copy of the body.
    final class OverflowFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        func set() { flag.store(true, ordering: .relaxed) }
        var isSet: Bool { flag.load(ordering: .relaxed) }
    }

    init(base: RequestBody, limit: Int64) {
        self.base = base
        self.limit = limit
    }

    /// Whether the body went over the limit.
    var exceeded: Bool { overflow.isSet }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int64
        let overflow: OverflowFlag
        var seen: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            seen += Int64(buffer.readableBytes)
            guard seen <= limit else {
                overflow.set()
                throw TooLarge()
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit, overflow: overflow)
    }
}
