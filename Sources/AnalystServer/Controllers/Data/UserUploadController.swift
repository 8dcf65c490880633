import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird
import NIOCore

/// `/api/upload` (any signed-in user): Claude Code session transcripts, artifacts and the user's `CLAUDE.local.md`,
/// kept per user id under the data directory. Files come as the `multipart/form-data` field `file`, are streamed
/// (bounded memory, size-limited) to a temporary file next to their destination and renamed into place, so nobody
/// ever sees half a file and a refused upload leaves nothing behind. Secrets in session transcripts and in
/// `CLAUDE.local.md` are redacted before anything reaches the disk (`SecretRedactor`); transcripts are indexed.
struct UserUploadController {
    let directory: DataDirectory
    let sessions: SessionTranscripts
    /// The largest file (`data.max_user_upload_mb`, `USER_UPLOAD_MAX_MB`).
    let maxFileBytes: Int64

    /// The largest `CLAUDE.local.md` (UTF-8 bytes of `content`).
    static let maxLocalMarkdownBytes = 1 << 20
    /// The largest local-md request body: the content JSON-escaped (up to 6 bytes a byte for control characters).
    static let maxLocalMarkdownRequestBytes = 6 * maxLocalMarkdownBytes + 4096
    /// Room in a form for what surrounds the file (boundaries, part headers, small fields).
    static let formOverheadBytes: Int64 = 64 * 1024

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("sessions") { request, context -> WireResponse<Schemas.UploadedFile> in
            try await receiveFile(request, context: context, kind: .session)
        }
        group.post("artifacts") { request, context -> WireResponse<Schemas.UploadedFile> in
            try await receiveFile(request, context: context, kind: .artifact)
        }
        group.post("local-md") { request, context -> WireResponse<Schemas.LocalMarkdownSaved> in
            try await storeLocalMarkdown(request, context: context)
        }
    }

    /// Streams the form's `file` into the user's folder of `kind`. A session always replaces an older file of the
    /// same name (the CLI re-uploads a session that grew); an artifact only with `?overwrite=true` (else 409).
    func receiveFile(
        _ request: Request, context: AppRequestContext, kind: UserUploadKind
    ) async throws -> WireResponse<Schemas.UploadedFile> {
        let user = try context.requireUser()
        let boundary = try Self.boundary(of: request)
        let bodyLimit = maxFileBytes + Self.formOverheadBytes
        if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared > bodyLimit {
            throw tooLarge
        }
        var form = MultipartFileStream(
            body: request.body, boundary: boundary, field: "file", limit: maxFileBytes, bodyLimit: bodyLimit)
        let head: MultipartReader.PartHead
        do {
            guard let found = try await form.readFileHead() else {
                throw APIError(.badRequest, "The form has no field \"file\": send the file as the multipart field \"file\"")
            }
            head = found
        } catch {
            throw mapped(error)
        }
        let filename: String
        switch UploadFilename.sanitize(head.filename) {
        case .success(let name): filename = name
        case .failure(let refusal): throw APIError(.badRequest, refusal.message)
        }
        if let refusal = kind.refusal(of: filename) { throw APIError(.badRequest, refusal) }
        let replace = kind.replacesExisting(overwriteRequested: request.uri.queryParameters["overwrite"] == "true")
        let folder = kind.folder(in: directory)
        let userFolder = try Self.userFolder(in: folder, for: user)
        let destination = userFolder.appendingPathComponent(filename, isDirectory: false)
        if !replace, FileManager.default.fileExists(atPath: destination.path) {
            throw Self.alreadyExists(filename)
        }
        let temporary = userFolder.appendingPathComponent(".\(UUID().uuidString.lowercased()).part", isDirectory: false)
        let size: Int64
        var redaction: TranscriptRedaction?
        do {
            if kind == .session {
                let redacting = RedactingTranscriptStream(base: form)
                try await FileIO().writeFile(contents: redacting, path: temporary.path, context: context)
                redaction = redacting.summary.result
            } else {
                try await FileIO().writeFile(contents: form, path: temporary.path, context: context)
            }
            try form.outcome.check()
            size = Int64(DataController.fileSize(temporary.path) ?? 0)
            try Self.move(temporary, to: destination, replacing: replace, filename: filename)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw mapped(error)
        }
        if let redaction {
            try await sessions.record(userID: user.id, fileName: filename, sizeBytes: size, redaction: redaction)
        }
        let relative = [folder.lastPathComponent, userFolder.lastPathComponent, filename].joined(separator: "/")
        return WireResponse(.init(status: .ok, path: relative, size: size), status: .created)
    }

    /// Stores `{"content": "…"}`, secrets redacted, as the user's `CLAUDE.local.md` (`user_local_md/<user id>.md`),
    /// replacing the last one.
    func storeLocalMarkdown(
        _ request: Request, context: AppRequestContext
    ) async throws -> WireResponse<Schemas.LocalMarkdownSaved> {
        let user = try context.requireUser()
        let contentTooLarge = APIError(
            .contentTooLarge, "The content is larger than the limit of \(Self.maxLocalMarkdownBytes >> 20) MB for CLAUDE.local.md")
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > Self.maxLocalMarkdownRequestBytes {
            throw contentTooLarge
        }
        let body: Schemas.LocalMarkdownRequest
        do {
            body = try await request.decodeJSON(Schemas.LocalMarkdownRequest.self, limit: Self.maxLocalMarkdownRequestBytes)
        } catch is NIOTooManyBytesError {
            throw contentTooLarge
        }
        guard body.content.utf8.count <= Self.maxLocalMarkdownBytes else { throw contentTooLarge }
        let content = ByteBuffer(string: SecretRedactor().redact(body.content).text)
        guard UploadFilename.isSafe(user.id) else {
            throw APIError(.internalServerError, "this user's id cannot name a file")
        }
        let folder = directory.userLocalMarkdown
        try Self.createFolder(folder)
        let temporary = folder.appendingPathComponent(".\(UUID().uuidString.lowercased()).part", isDirectory: false)
        let destination = folder.appendingPathComponent("\(user.id).md", isDirectory: false)
        do {
            try await FileIO().writeFile(buffer: content, path: temporary.path, context: context)
            try Self.move(temporary, to: destination, replacing: true, filename: destination.lastPathComponent)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        return WireResponse(.init(status: .ok, user: user.email, size: content.readableBytes))
    }

    // MARK: - Helpers

    private var tooLarge: APIError {
        APIError(
            .contentTooLarge,
            "The file is larger than the upload limit of \(Self.describe(maxFileBytes)) "
                + "(data.max_user_upload_mb in instance.yaml or USER_UPLOAD_MAX_MB)")
    }

    /// The API error for what went wrong while reading the form or writing the file.
    private func mapped(_ error: any Error) -> any Error {
        switch error {
        case let failure as MultipartReader.Failure: APIError(.badRequest, failure.message)
        case is SizeLimitedBody.TooLarge, is MultipartFileStream.FileTooLarge: tooLarge
        default: error
        }
    }

    /// The boundary of a `multipart/form-data` request; 415 for another content type, 400 for a bad boundary.
    static func boundary(of request: Request) throws -> String {
        switch MultipartReader.boundary(contentType: request.headers[.contentType]) {
        case .success(let boundary):
            return boundary
        case .failure(.notMultipart(let type)):
            throw APIError(
                .unsupportedMediaType,
                "The upload must be multipart/form-data with the file in the field \"file\" (got "
                    + (type.map { "Content-Type \($0)" } ?? "no Content-Type") + ")")
        case .failure(.missingBoundary):
            throw APIError(.badRequest, "The multipart/form-data Content-Type has no boundary parameter")
        case .failure(.invalidBoundary):
            throw APIError(.badRequest, "The multipart boundary must be 1 to 70 characters on one line")
        }
    }

    /// `<folder>/<user id>/`, created if missing.
    static func userFolder(in folder: URL, for user: User) throws -> URL {
        guard UploadFilename.isSafe(user.id) else {
            throw APIError(.internalServerError, "this user's id cannot name a folder")
        }
        let userFolder = folder.appendingPathComponent(user.id, isDirectory: true)
        try createFolder(userFolder)
        return userFolder
    }

    private static func createFolder(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw APIError(.internalServerError, "could not create the upload folder: \(error.localizedDescription)")
        }
    }

    /// Renames `temporary` to `destination` atomically. Without `replacing`, a hard link makes the step fail
    /// (409) if the destination appeared meanwhile; file systems without hard links fall back to a checked rename.
    static func move(_ temporary: URL, to destination: URL, replacing: Bool, filename: String) throws {
        if replacing {
            guard rename(temporary.path, destination.path) == 0 else { throw storeError() }
            return
        }
        if link(temporary.path, destination.path) == 0 {
            unlink(temporary.path)
            return
        }
        let linkError = errno
        if linkError == EEXIST || FileManager.default.fileExists(atPath: destination.path) {
            throw alreadyExists(filename)
        }
        guard rename(temporary.path, destination.path) == 0 else { throw storeError() }
    }

    private static func storeError() -> APIError {
        APIError(.internalServerError, "could not store the upload: \(String(cString: strerror(errno)))")
    }

    static func alreadyExists(_ filename: String) -> APIError {
        APIError(.conflict, "Artifact \"\(filename)\" already exists; send ?overwrite=true to replace it")
    }

    /// `50 MB`, or the exact byte count when the limit is not whole megabytes.
    static func describe(_ bytes: Int64) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MB" : "\(bytes) bytes"
    }
}
