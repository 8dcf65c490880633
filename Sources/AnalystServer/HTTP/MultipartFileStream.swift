import Hummingbird
import NIOCore
import Synchronization

/// A `multipart/form-data` request body read for one file field: `readFileHead()` skips to the part named
/// `field`; iterating then yields that part's bytes as they arrive and, after its end, reads the rest of the form
/// (ignoring other fields) so that a body without its closing boundary fails instead of storing a cut-off file.
/// Single use: iterate it once, after `readFileHead()`.
///
/// A failure while iterating (truncated form, size limit, client gone) ends the sequence early and is kept in
/// `outcome`: file writers wrap errors thrown by the sequence they write, so callers must call
/// `outcome.check()` after writing and discard the file if it throws.
struct MultipartFileStream: AsyncSequence {
    typealias Element = ByteBuffer

    /// The file part passed `limit` bytes.
    struct FileTooLarge: Error {}

    /// The error that ended the iteration early, shared by every copy of the stream.
    final class Outcome: Sendable {
        private let failure = Mutex<(any Error)?>(nil)

        func fail(_ error: any Error) {
            failure.withLock { $0 = $0 ?? error }
        }

        /// Throws the error that ended the file early, if any.
        func check() throws {
            if let error = failure.withLock({ $0 }) { throw error }
        }
    }

    /// Whether the whole file (and the rest of the form) was read.
    let outcome = Outcome()

    private var body: SizeLimitedBody.AsyncIterator
    private var reader: MultipartReader
    /// The form field that carries the file.
    let field: String
    /// The most bytes the file may have.
    let limit: Int64

    /// Reads `body` (at most `bodyLimit` bytes in all) as a form with `boundary`.
    init(body: RequestBody, boundary: String, field: String, limit: Int64, bodyLimit: Int64) {
        self.body = SizeLimitedBody(base: body, limit: bodyLimit).makeAsyncIterator()
        self.reader = MultipartReader(boundary: boundary)
        self.field = field
        self.limit = limit
    }

    /// The head of the part named `field`, skipping the parts before it; `nil` when the form has no such part.
    mutating func readFileHead() async throws -> MultipartReader.PartHead? {
        while true {
            switch try reader.next() {
            case .part(let head) where head.name == field: return head
            case .part, .bytes, .partEnd: continue
            case .end: return nil
            case .needMoreData: try await pull()
            }
        }
    }

    /// Feeds the next chunk of the body to the reader (or tells it the body has ended).
    private mutating func pull() async throws {
        if let chunk = try await body.next() {
            reader.append(chunk)
        } else {
            reader.finishInput()
        }
    }

    /// Reads the parts after the file up to the closing boundary.
    private mutating func readToEnd() async throws {
        while true {
            switch try reader.next() {
            case .end: return
            case .part, .bytes, .partEnd: continue
            case .needMoreData: try await pull()
            }
        }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var stream: MultipartFileStream
        var received: Int64 = 0
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            do {
                return try await read()
            } catch {
                finished = true
                stream.outcome.fail(error)
                return nil
            }
        }

        private mutating func read() async throws -> ByteBuffer? {
            while true {
                switch try stream.reader.next() {
                case .bytes(let bytes):
                    received += Int64(bytes.readableBytes)
                    guard received <= stream.limit else { throw FileTooLarge() }
                    return bytes
                case .partEnd:
                    finished = true
                    try await stream.readToEnd()
                    return nil
                case .needMoreData:
                    try await stream.pull()
                case .part, .end:
                    // Inside a part body the reader only reports bytes and the part's end.
                    throw MultipartReader.Failure.malformed("the file part has no end")
                }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(stream: self)
    }
}
