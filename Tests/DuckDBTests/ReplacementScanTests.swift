import Foundation
import Synchronization
import Testing

@testable import DuckDB

struct ReplacementScanTests {
    /// A name the catalogue lacks reads what the resolver returns, by any case and alias; a catalogue entry wins;
    /// a name the resolver does not know stays unknown.
    @Test func unknownNamesReadWhatTheResolverReturns() throws {
        let database = try Database()
        database.addReplacementScan { name in
            switch name.lowercased() {
            case "numbers": TableReplacement(function: "range", arguments: [.bigint(5)])
            case "shadowed": TableReplacement(function: "range", arguments: [.bigint(100)])
            default: nil
            }
        }
        let connection = try database.connect()
        #expect(try connection.query("SELECT count(*) FROM numbers").scalar() == .bigint(5))
        #expect(try connection.query("SELECT max(n.range) FROM NUMBERS AS n").scalar() == .bigint(4))
        #expect(try connection.query("SELECT sum(range) FROM \"Numbers\"").scalar() == .hugeint(10))

        try connection.execute("CREATE TABLE shadowed AS SELECT 1 AS x")
        #expect(try connection.query("SELECT count(*) FROM shadowed").scalar() == .bigint(1), "the catalogue wins")

        let missing = #expect(throws: DuckDBError.self) { try connection.query("SELECT * FROM nothing_here") }
        #expect(missing?.message.contains("nothing_here does not exist") == true)
    }

    /// The resolver is asked from many connections at once.
    @Test func theResolverServesConcurrentConnections() throws {
        let files = ["alpha": 3, "beta": 7]
        let database = try Database()
        database.addReplacementScan { name in
            files[name].map { TableReplacement(function: "range", arguments: [.bigint(Int64($0))]) }
        }
        let counts = Mutex<[String: Int]>([:])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            let name = index % 2 == 0 ? "alpha" : "beta"
            let count = try? database.connect().query("SELECT count(*) FROM \(name)").scalar()
            counts.withLock { $0["\(name)=\(count.map { "\($0)" } ?? "error")", default: 0] += 1 }
        }
        #expect(counts.withLock { $0 } == ["alpha=\(Value.bigint(3))": 8, "beta=\(Value.bigint(7))": 8])
    }
}
