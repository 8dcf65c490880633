extension Result where Failure == any Error {
    /// The outcome of async work, a thrown error included (`Result(catching:)` for `async` bodies): lets work started
    /// with `async let` fail without failing what waits for it.
    init(awaiting body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
