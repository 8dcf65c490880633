import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Receives one download's body into a file: the event loop that reads the parts collects them in batches (4 MB, or
/// what came in 200 ms), and the file I/O thread pool hashes and writes each batch, in order, while the next fills —
/// receiving and hashing run on two cores.
///
/// The parquet downloads used AsyncHTTPClient's async body stream before: its hop to a task per 64 KB part capped
/// one download at ~400 MB/s on this machine (docs/performance.md).
/// The callbacks run one at a time on the request's event loop; the state is in a `Mutex` so the class is `Sendable`.
final class FileDownload: HTTPClientResponseDelegate {
    /// What arrived: the answer's head, the bytes received for the file, or the start of an error's body.
    struct Outcome: Sendable {
        var head: HTTPResponseHead
        /// The first MB of the body of an answer other than 200 or 206, for the error message.
        var errorBody: ByteBuffer?
        /// Bytes received over the network into the file.
        var transferred: Int64
    }

    /// Bytes collected before a write is handed to the thread pool…
    static let batchBytes = 4 << 20
    /// …or the time, so a slow download's bytes reach the file (and survive an interruption for resuming).
    static let batchTime = TimeAmount.milliseconds(200)

    private struct State {
        var head: HTTPResponseHead?
        var hasher: SHA256
        /// Where the next batch goes.
        var offset: Int64
        var transferred: Int64 = 0
        var batch: [ByteBuffer] = []
        var batchBytes = 0
        /// The last batch handed to the thread pool.
        var writing: EventLoopFuture<Void>?
        var errorBody: ByteBuffer?
        var started = NIODeadline.now()
        var lastWrite = NIODeadline.now()
    }

    private let file: FileSink
    private let resumeAt: Int64
    private let key: String
    private let progress: SyncProgress
    private let bytesPerSecond: Int64?
    private let state: Mutex<State>

    /// - Parameters:
    ///   - resumeAt: the bytes of the file already there and hashed into `hasher` (asked for with `Range`).
    init(file: FileSink, resumeAt: Int64, hasher: SHA256, key: String, progress: SyncProgress, bytesPerSecond: Int64?) {
        self.file = file
        self.resumeAt = resumeAt
        self.key = key
        self.progress = progress
        self.bytesPerSecond = bytesPerSecond
        state = Mutex(State(hasher: hasher, offset: resumeAt))
    }

    func didReceiveHead(task: HTTPClient.Task<Outcome>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let eventLoop = task.eventLoop
        state.withLock { $0.head = head }
        switch head.status.code {
        case 200:
            // The whole file: start over (the server ignored the range, or the file changed).
            if resumeAt > 0 { progress.restart(key) }
            state.withLock {
                $0.hasher = SHA256()
                $0.offset = 0
            }
            return file.truncate(to: 0, on: eventLoop)
        case 206:
            guard let range = head.headers.first(name: "Content-Range"), ParquetDownloader.contentRange(range)?.start == resumeAt else {
                return eventLoop.makeFailedFuture(
                    ParquetDownloader.Failure.retryable("the server answered the resume request with an unexpected range"))
            }
            return file.truncate(to: resumeAt, on: eventLoop)
        default:
            return eventLoop.makeSucceededVoidFuture()
        }
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Outcome>, _ part: ByteBuffer) -> EventLoopFuture<Void> {
        let eventLoop = task.eventLoop
        let (full, offset, previous, delay) = state.withLock { state -> ([ByteBuffer]?, Int64, EventLoopFuture<Void>?, TimeAmount?) in
            guard let status = state.head?.status.code, status == 200 || status == 206 else {
                // An error's explanation: its first MB is enough.
                var body = state.errorBody ?? ByteBuffer()
                if body.readableBytes < 1 << 20 { body.writeImmutableBuffer(part) }
                state.errorBody = body
                return (nil, 0, nil, nil)
            }
            state.transferred += Int64(part.readableBytes)
            state.batch.append(part)
            state.batchBytes += part.readableBytes
            let now = NIODeadline.now()
            var delay: TimeAmount?
            if let rate = bytesPerSecond, rate > 0 {
                let due = state.started + .nanoseconds(state.transferred * 1_000_000_000 / rate)
                if due > now { delay = due - now }
            }
            guard state.batchBytes >= FileDownload.batchBytes || now - state.lastWrite >= FileDownload.batchTime else {
                return (nil, 0, nil, delay)
            }
            state.lastWrite = now
            let full = state.batch
            let offset = state.offset
            state.offset += Int64(state.batchBytes)
            state.batch = []
            state.batchBytes = 0
            return (full, offset, state.writing, delay)
        }
        progress.received(key, bytes: Int64(part.readableBytes))
        var waits: [EventLoopFuture<Void>] = []
        if let full {
            // Batches are hashed in order: each starts when the one before is written.
            let write = (previous ?? eventLoop.makeSucceededVoidFuture()).flatMap { self.store(full, at: offset, on: eventLoop) }
            state.withLock { $0.writing = write }
            // Reading goes on while one batch is stored and the next waits, not while more do.
            if let previous { waits.append(previous) }
        }
        if let delay { waits.append(eventLoop.scheduleTask(in: delay) {}.futureResult) }
        return waits.isEmpty ? eventLoop.makeSucceededVoidFuture() : EventLoopFuture.andAllSucceed(waits, on: eventLoop)
    }

    /// Hashes and writes one batch on the thread pool.
    private func store(_ parts: [ByteBuffer], at offset: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) { [self] in try hashAndWrite(parts, at: offset) }
    }

    /// Blocking: on the thread pool only.
    private func hashAndWrite(_ parts: [ByteBuffer], at offset: Int64) throws {
        var hasher = state.withLock { $0.hasher }
        for part in parts {
            part.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        }
        state.withLock { $0.hasher = hasher }
        try file.writeNow(parts, at: offset)
    }

    func didReceiveError(task: HTTPClient.Task<Outcome>, _ error: any Error) {}

    func didFinishRequest(task: HTTPClient.Task<Outcome>) throws -> Outcome {
        try state.withLock { state in
            guard let head = state.head else { throw ParquetDownloader.Failure.retryable("the server sent no answer") }
            return Outcome(head: head, errorBody: state.errorBody, transferred: state.transferred)
        }
    }

    /// Hashes and writes what is still collected after every earlier batch; call it once the request has finished.
    /// Returns the hash state of the whole file and where it ends.
    func flush() async throws -> (hasher: SHA256, end: Int64) {
        let (rest, offset, writing) = state.withLock { state in
            defer {
                state.offset += Int64(state.batchBytes)
                state.batch = []
                state.batchBytes = 0
                state.writing = nil
            }
            return (state.batch, state.offset, state.writing)
        }
        try await writing?.get()
        if !rest.isEmpty {
            try await NIOThreadPool.singleton.runIfActive { [self] in try hashAndWrite(rest, at: offset) }
        }
        return state.withLock { ($0.hasher, $0.offset) }
    }
}

/// A file written by the file I/O thread pool (never on an event loop or the cooperative pool): open, positioned
/// writes, truncation, close.
struct FileSink: Sendable {
    let descriptor: Int32
    let path: String

    /// Opens (creating if needed) `path` for writing, without truncating it.
    static func opening(_ path: String) async throws -> FileSink {
        let descriptor = try await NIOThreadPool.singleton.runIfActive {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw FileSink.error(path) }
            return descriptor
        }
        return FileSink(descriptor: descriptor, path: path)
    }

    /// Cuts the file to `size` bytes. Nothing is done when it already has that size: on ext4 a truncation to zero
    /// makes the close start writing the whole file to disk, and the next `fsync` anywhere (the analyst database's
    /// commit) then waits for it — 45 ms for 100 MB on this machine.
    func truncate(to size: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) { [self] in
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw FileSink.error(path) }
            guard Int64(info.st_size) != size else { return }
            guard ftruncate(descriptor, off_t(size)) == 0 else { throw FileSink.error(path) }
        }
    }

    func closeFile() async {
        _ = try? await NIOThreadPool.singleton.runIfActive { [descriptor] in close(descriptor) }
    }

    /// Writes `parts` one after another from `offset`. Blocking: on the thread pool only.
    func writeNow(_ parts: [ByteBuffer], at offset: Int64) throws {
        var position = offset
        for part in parts {
            guard part.withUnsafeReadableBytes({ Workspace.writeAll($0, to: descriptor, at: position) }) else {
                throw FileSink.error(path)
            }
            position += Int64(part.readableBytes)
        }
    }

    private static func error(_ path: String) -> ParquetDownloader.Failure {
        .final("cannot write \(path): \(String(cString: strerror(errno)))")
    }
}
