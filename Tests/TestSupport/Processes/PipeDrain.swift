import Foundation

/// Reads a pipe to its end on a thread of its own, keeping what arrives.
///
/// No dispatch sources: Foundation's `readabilityHandler` races with tearing the handle down, and with many
/// processes at once that crashed a CI run inside libdispatch (`_dispatch_event_loop_drain`). A blocking read on a
/// plain thread has no such race. `@unchecked Sendable`: `data`, `finished` and `waiters` are only touched under
/// `lock`.
public final class PipeDrain: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    private var waiters: [CheckedContinuation<Data, Never>] = []

    /// Starts reading `handle` until end of file.
    public init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData  // blocks; empty at end of file
                if chunk.isEmpty { break }
                lock.withLock { data.append(chunk) }
            }
            let (all, waiting) = lock.withLock { () -> (Data, [CheckedContinuation<Data, Never>]) in
                finished = true
                defer { waiters = [] }
                return (data, waiters)
            }
            for waiter in waiting { waiter.resume(returning: all) }
        }
        thread.name = "pipe-drain"
        thread.start()
    }

    /// What has arrived so far.
    public var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    /// Everything, once the writing end is closed (the process exited).
    public func finish() async -> Data {
        await withCheckedContinuation { continuation in
            let ready: Data? = lock.withLock {
                if finished { return data }
                waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
