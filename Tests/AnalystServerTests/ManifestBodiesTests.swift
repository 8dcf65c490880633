import AnalystCore
import Foundation
import NIOCore
import Testing

@testable import AnalystServer

/// The manifest's stored bodies: shared by readers with the same access, never older than the published tables,
/// and bounded in count and bytes.
struct ManifestBodiesTests {
    static func tables(_ ids: [String]) -> [PublishedTable] {
        ids.map {
            PublishedTable(
                id: $0, source: "files", queryMode: .local, rows: 1, columns: [ColumnInfo(name: "id", type: "BIGINT")],
                fileSizeBytes: 10, hash: String(repeating: "a", count: 64), fileModifiedNanoseconds: 1, lastSync: nil)
        }
    }

    @Test func readersWithTheSameAccessShareABodyThatFollowsEveryChange() {
        let manifest = SyncManifest()
        manifest.update(tables: Self.tables(["a", "b", "c"]), docsHash: nil, profilesHash: nil)
        let bodies = ManifestBodies()
        let first = bodies.tables(readable: ["a", "b"], of: manifest)
        #expect(String(buffer: first).contains(#""b":"#) && !String(buffer: first).contains(#""c":"#))
        #expect(bodies.tables(readable: ["b", "a"], of: manifest) == first)
        #expect(String(buffer: bodies.tables(readable: nil, of: manifest)).contains(#""c":"#))
        #expect(bodies.stored.entries == 2)

        // A new set of published tables: no request sees the old list again.
        manifest.update(tables: Self.tables(["a", "d"]), docsHash: nil, profilesHash: nil)
        let after = String(buffer: bodies.tables(readable: ["a", "b"], of: manifest))
        #expect(after.hasPrefix(#"{"tables":{"a":"#) && !after.contains(#""b":"#))
        #expect(String(buffer: bodies.tables(readable: nil, of: manifest)).contains(#""d":"#))
        #expect(bodies.stored.entries == 2, "the old version's bodies were dropped")

        // What the route sends parses as the whole manifest.
        let whole = String(buffer: bodies.tables(readable: nil, of: manifest)) + manifest.tailJSON(rulesHash: "r")
        let object = try? JSONSerialization.jsonObject(with: Data(whole.utf8)) as? [String: Any]
        #expect((object?["tables"] as? [String: Any])?.keys.sorted() == ["a", "d"])
    }

    @Test func theCacheIsBoundedInEntriesAndBytes() {
        let manifest = SyncManifest()
        let ids = (0..<200).map { "table_\($0)" }
        manifest.update(tables: Self.tables(ids), docsHash: nil, profilesHash: nil)
        let bodies = ManifestBodies(maxEntries: 3, maxBytes: 8 << 10)
        for count in 1...20 {
            let readable = Set(ids.prefix(count))
            let body = String(buffer: bodies.tables(readable: readable, of: manifest))
            #expect(body.components(separatedBy: "\"table_").count - 1 == count, "always the right tables")
            #expect(bodies.stored.entries <= 3)
            #expect(bodies.stored.bytes <= 8 << 10)
        }
        // A body larger than the whole budget is answered and not kept.
        let everything = bodies.tables(readable: nil, of: manifest)
        #expect(everything.readableBytes > 8 << 10)
        #expect(bodies.stored.bytes <= 8 << 10)
    }
}
