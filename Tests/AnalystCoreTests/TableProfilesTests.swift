import DuckDB
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AnalystCore

struct TableProfilesTests {
    struct Stored: Equatable, Sendable {
        var rows: Int
        var profiledAt: String
    }

    /// One pass profiles every changed table on one database; a table whose file cannot be read fails alone (the
    /// tables after it are still profiled), and only it is tried again by the next pass.
    @Test func aPassProfilesEveryTableAndAnUnreadableFileFailsAlone() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try OrchestratorTests.Setup(temporary)
        try setup.writeSource("shop", tables: ["a_orders": 12, "b_broken": 3, "c_customers": 5, "d_leads": 7])
        _ = try await setup.orchestrator.rebuild()
        // The published file of b_broken is damaged after its publication.
        let broken = ExtractSource(name: "shop", in: setup.directory.extracts).parquetFile(for: "b_broken")
        try Data("not a parquet file".utf8).write(to: broken)

        let profiles = TableProfiles(
            system: setup.system, directory: setup.directory, options: ProfilerOptions(), logger: LogCapture().logger())
        let published = try await SyncStateStore(system: setup.system).all()
        #expect(published.map(\.id).sorted() == ["a_orders", "b_broken", "c_customers", "d_leads"])
        let errors = try await profiles.refresh(published: published, registry: []).errors
        #expect(Array(errors.keys) == ["b_broken"])
        #expect(errors["b_broken"]?.contains("profiling failed") == true)
        #expect(try await stored(setup.system).mapValues(\.rows) == ["a_orders": 12, "c_customers": 5, "d_leads": 7])
        let before = try await stored(setup.system)

        // The next pass tries the failed table again, and only it.
        try setup.writeSource("shop", tables: ["b_broken": 4])
        let again = try await profiles.refresh(published: published, registry: [])
        #expect(again == TableProfiles.Pass())
        let after = try await stored(setup.system)
        #expect(after.mapValues(\.rows) == ["a_orders": 12, "b_broken": 4, "c_customers": 5, "d_leads": 7])
        #expect(after.filter { $0.key != "b_broken" } == before, "the profiled tables were not profiled again")
        await setup.system.close()
    }

    /// A pass profiles only the tables it is given, and stops before the next table when it is told to give way;
    /// what it left is profiled by the next pass.
    @Test func aPassProfilesOnlyWhatItIsGivenAndGivesWay() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let setup = try OrchestratorTests.Setup(temporary)
        try setup.writeSource("shop", tables: ["a_orders": 12, "b_leads": 3, "c_customers": 5, "d_items": 7])
        _ = try await setup.orchestrator.rebuild()
        let profiles = TableProfiles(
            system: setup.system, directory: setup.directory, options: ProfilerOptions(), logger: LogCapture().logger())
        let published = try await SyncStateStore(system: setup.system).all()

        let only = try await profiles.refresh(published: published, registry: [], only: ["c_customers", "no_such_table"])
        #expect(only == TableProfiles.Pass(left: 3))
        #expect(try await stored(setup.system).keys.sorted() == ["c_customers"])

        // Told to give way before its second table: one more profiled, two left.
        let asked = Mutex(0)
        let gaveWay = try await profiles.refresh(published: published, registry: []) {
            asked.withLock { asked in
                asked += 1
                return asked == 2
            }
        }
        #expect(gaveWay == TableProfiles.Pass(left: 2))
        #expect(try await stored(setup.system).count == 2)

        let rest = try await profiles.refresh(published: published, registry: [])
        #expect(rest == TableProfiles.Pass())
        #expect(try await stored(setup.system).keys.sorted() == ["a_orders", "b_leads", "c_customers", "d_items"])
        await setup.system.close()
    }

    /// Each stored profile's `row_count` and when it was made, by table.
    private func stored(_ system: SystemDatabase) async throws -> [String: Stored] {
        try await system.withConnection { connection in
            var profiles: [String: Stored] = [:]
            for row in try connection.query(
                "SELECT table_id, CAST(json_extract(profile, '$.row_count') AS BIGINT), CAST(profiled_at AS VARCHAR) FROM table_profiles"
            ).rows() {
                if let id = row[0].stringValue, let count = row[1].int64Value, let at = row[2].stringValue {
                    profiles[id] = Stored(rows: Int(count), profiledAt: at)
                }
            }
            return profiles
        }
    }
}
