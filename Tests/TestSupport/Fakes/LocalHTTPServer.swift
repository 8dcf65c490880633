import Hummingbird
import Logging

/// Runs a fake peer's router on 127.0.0.1 at a free port; returns the port and the task serving it (cancel it to
/// stop the server).
public enum LocalHTTPServer {
    public static func start(_ router: Router<BasicRequestContext>, label: String) async throws -> (port: Int, task: Task<Void, any Error>)
    {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.run() }
        for await port in ports where port > 0 {
            return (port, task)
        }
        task.cancel()
        throw LocalHTTPServerError(label: label)
    }
}

struct LocalHTTPServerError: Error, CustomStringConvertible {
    let label: String
    var description: String { "the \(label) server did not start" }
}
