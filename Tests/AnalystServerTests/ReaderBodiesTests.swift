import AnalystCore
import Foundation
import NIOCore
import Synchronization
import Testing

@testable import AnalystServer

/// The stored answers by reader (the manifest's table lists, the profiles bundles): shared by readers with the same
/// access, never older than the data they were made from, and bounded in count and bytes.
struct ReaderBodiesTests {
    static func tables(_ ids: [String]) -> [PublishedTable] {
        ids.map {
            PublishedTable(
                id: $0, source: "files", queryMode: .local, rows: 1, columns: [ColumnInfo(name: "id", type: "BIGINT")],
                fileSizeBytes: 10, hash: String(repeating: "a", count: 64), fileModifiedNanoseconds: 1, lastSync: nil)
        }
    }

    @Test func readersWithTheSameAccessShareABodyThatFollowsEveryChange() async {
        let manifest = SyncManifest()
        manifest.update(tables: Self.tables(["a", "b", "c"]), docsHash: nil, profilesHash: nil)
        let bodies = ReaderBodies<UInt64>()
        let first = await bodies.tables(readable: ["a", "b"], of: manifest)
        #expect(String(buffer: first).contains(#""b":"#) && !String(buffer: first).contains(#""c":"#))
        #expect(await bodies.tables(readable: ["b", "a"], of: manifest) == first)
        #expect(String(buffer: await bodies.tables(readable: nil, of: manifest)).contains(#""c":"#))
        #expect(bodies.stored.entries == 2)

        // A new set of published tables: no request sees the old list again.
        manifest.update(tables: Self.tables(["a", "d"]), docsHash: nil, profilesHash: nil)
        let after = String(buffer: await bodies.tables(readable: ["a", "b"], of: manifest))
        #expect(after.hasPrefix(#"{"tables":{"a":"#) && !after.contains(#""b":"#))
        #expect(String(buffer: await bodies.tables(readable: nil, of: manifest)).contains(#""d":"#))
        #expect(bodies.stored.entries == 2, "the old version's bodies were dropped")

        // What the route sends parses as the whole manifest.
        let whole = String(buffer: await bodies.tables(readable: nil, of: manifest)) + manifest.tailJSON(rulesHash: "r")
        let object = try? JSONSerialization.jsonObject(with: Data(whole.utf8)) as? [String: Any]
        #expect((object?["tables"] as? [String: Any])?.keys.sorted() == ["a", "d"])
    }

    @Test func theCacheIsBoundedInEntriesAndBytes() async {
        let manifest = SyncManifest()
        let ids = (0..<200).map { "table_\($0)" }
        manifest.update(tables: Self.tables(ids), docsHash: nil, profilesHash: nil)
        let bodies = ReaderBodies<UInt64>(maxEntries: 3, maxBytes: 8 << 10)
        for count in 1...20 {
            let readable = Set(ids.prefix(count))
            let body = String(buffer: await bodies.tables(readable: readable, of: manifest))
            #expect(body.components(separatedBy: "\"table_").count - 1 == count, "always the right tables")
            #expect(bodies.stored.entries <= 3)
            #expect(bodies.stored.bytes <= 8 << 10)
        }
        // A body larger than the whole budget is answered and not kept.
        let everything = await bodies.tables(readable: nil, of: manifest)
        #expect(everything.readableBytes > 8 << 10)
        #expect(bodies.stored.bytes <= 8 << 10)
    }

    /// The profiles bundle: rendered once per reader set and profiles hash, rendered again after the hash changed,
    /// and a render that fails is not kept.
    @Test func bodiesAreRenderedOncePerVersionAndReaders() async throws {
        let bodies = ReaderBodies<String?>()
        let renders = Mutex(0)
        func render(_ version: String?, _ text: String) -> () async throws -> (version: String?, body: ByteBuffer) {
            {
                renders.withLock { $0 += 1 }
                return (version, ByteBuffer(string: text))
            }
        }
        #expect(String(buffer: try await bodies.body(readable: ["a"], current: "h1", render: render("h1", "one"))) == "one")
        #expect(String(buffer: try await bodies.body(readable: ["a"], current: "h1", render: render("h1", "other"))) == "one")
        #expect(String(buffer: try await bodies.body(readable: nil, current: "h1", render: render("h1", "all"))) == "all")
        #expect(renders.withLock { $0 } == 2)
        #expect(String(buffer: try await bodies.body(readable: ["a"], current: "h2", render: render("h2", "two"))) == "two")
        #expect(bodies.stored.entries == 1, "the old hash's bodies were dropped")
        #expect(String(buffer: try await bodies.body(readable: ["a"], current: nil, render: render(nil, "none"))) == "none")
        struct Failed: Error {}
        await #expect(throws: Failed.self) {
            try await bodies.body(readable: ["b"], current: nil) { throw Failed() }
        }
        #expect(bodies.stored.entries == 1)
    }

    /// Bodies nobody asks for are given back: a cache unused for the idle period is emptied, one in use is kept, and
    /// the next request renders again.
    @Test func unusedBodiesAreReleased() async {
        let manifest = SyncManifest()
        manifest.update(tables: Self.tables(["a", "b"]), docsHash: nil, profilesHash: nil)
        let bodies = SyncBodies()
        _ = await bodies.manifests.tables(readable: ["a"], of: manifest)
        let later = ContinuousClock.now + .seconds(31)
        #expect(!bodies.release(ifUnusedFor: .seconds(30)), "asked for just now: kept")
        #expect(bodies.manifests.stored.entries == 1)
        #expect(bodies.release(ifUnusedFor: .seconds(30), now: later))
        #expect(bodies.manifests.stored.entries == 0 && bodies.manifests.stored.bytes == 0)
        #expect(!bodies.release(ifUnusedFor: .seconds(30), now: later), "nothing left to drop")
        let again = String(buffer: await bodies.manifests.tables(readable: ["a"], of: manifest))
        #expect(again.contains(#""a":"#) && !again.contains(#""b":"#))
        #expect(bodies.manifests.stored.entries == 1)
    }

    @Test func theReleaseServiceEmptiesUnusedBodiesUntilCancelled() async throws {
        let manifest = SyncManifest()
        manifest.update(tables: Self.tables(["a"]), docsHash: nil, profilesHash: nil)
        let bodies = SyncBodies()
        _ = await bodies.manifests.tables(readable: nil, of: manifest)
        let service = BodyReleaseService(bodies: bodies, idle: .milliseconds(50), interval: .milliseconds(20))
        let running = Task { try await service.run() }
        let deadline = ContinuousClock.now + .seconds(30)
        while bodies.manifests.stored.entries > 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(bodies.manifests.stored.entries == 0, "released after being unused")
        running.cancel()
        try await running.value
    }
}
