import AnalystCore
import NIOCore
import Synchronization

/// A transcript upload's bytes with every secret redacted (`TranscriptRedaction`), line by line as they stream,
/// so an unredacted secret is never written to disk, not even to the temporary file.
struct RedactingTranscriptStream<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer

    /// What the redaction found, once the stream has ended.
    final class Summary: Sendable {
        private let value = Mutex<TranscriptRedaction?>(nil)
        var result: TranscriptRedaction? { value.withLock { $0 } }
        fileprivate func store(_ redaction: TranscriptRedaction) { value.withLock { $0 = redaction } }
    }

    let base: Base
    let summary = Summary()

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var redaction = TranscriptRedaction()
        var ended = false
        let summary: Summary

        mutating func next() async throws -> ByteBuffer? {
            while !ended {
                if let chunk = try await base.next() {
                    let output = redaction.feed(chunk.readableBytesView)
                    if !output.isEmpty { return ByteBuffer(bytes: output) }
                } else {
                    ended = true
                    let output = redaction.finish()
                    summary.store(redaction)
                    if !output.isEmpty { return ByteBuffer(bytes: output) }
                }
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), summary: summary)
    }
}
