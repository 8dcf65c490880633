import Foundation

/// Why `waitFor` gave up.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// Polls `condition` every 50 ms until it holds; throws after `timeout` (generous: a loaded machine is slow, and a
/// test must not depend on a tight window).
public func waitFor(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw WaitTimedOut(description: "timed out waiting for \(what)")
}
