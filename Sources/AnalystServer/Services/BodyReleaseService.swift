import ServiceLifecycle

/// Gives back the memory of the bodies the sync routes keep once nobody asks for them: the profiles bundle alone is
/// 11 MB at 10,000 tables. Every `interval`, each cache unused for `idle` is emptied; the next request renders its
/// body again (a manifest in milliseconds, the profiles bundle in ~65 ms at 10,000 tables).
struct BodyReleaseService: Service {
    let bodies: SyncBodies
    var idle: Duration = .seconds(30)
    var interval: Duration = .seconds(10)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard (try? await Task.sleep(for: interval)) != nil else { return }
                bodies.release(ifUnusedFor: idle)
            }
        }
    }
}
