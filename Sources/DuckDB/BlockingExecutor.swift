import Foundation

/// Runs blocking work (DuckDB files, hashing, CSV conversion) on its own threads, never on Swift's cooperative
/// pool, and lets `async` callers await the result. `maxConcurrent` 1 makes a serial executor: work runs in
/// submission order, one at a time.
public final class BlockingExecutor: Sendable {
    private let queue: OperationQueue

    /// A shared executor for short blocking steps that need no order (two threads).
    public static let shared = BlockingExecutor(name: "blocking", maxConcurrent: 2)

    public init(name: String, maxConcurrent: Int = 1) {
        let queue = OperationQueue()
        queue.name = name
        queue.maxConcurrentOperationCount = maxConcurrent
        self.queue = queue
    }

    /// Runs `work` on one of the executor's threads and returns its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.addOperation {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
