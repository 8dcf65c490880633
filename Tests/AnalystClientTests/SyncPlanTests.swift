import Foundation
import TestSupport
import Testing

@testable import AnalystClient

/// The sync's decisions, without a server: what to download, skip, remove; rates; progress on retries.
struct SyncPlanTests {
    static func table(_ hash: String, size: Int64, mode: String = "local") -> Manifest.Table {
        Manifest.Table(hash: hash, updated: nil, size_bytes: size, rows: 1, query_mode: mode)
    }

    @Test func downloadsWhatChangedOrIsMissingAndRemovesWhatIsNoLongerOffered() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let workspace = Workspace(path: directory.path)
        try workspace.prepare()
        for (id, size) in [("same", 3), ("changed", 3), ("wrong_size", 2), ("revoked", 3), ("stray", 1), ("now_remote", 3)] {
            try Data(repeating: 1, count: size).write(to: workspace.parquet(id))
        }
        var state = LocalSyncState()
        for id in ["same", "changed", "wrong_size", "revoked", "deleted_file", "now_remote"] {
            state.tables[id] = .init(hash: "h-\(id)", rows: 1, size_bytes: 3)
        }
        let manifest = Manifest(
            tables: [
                "same": Self.table("h-same", size: 3), "changed": Self.table("h-new", size: 3),
                "wrong_size": Self.table("h-wrong_size", size: 3), "deleted_file": Self.table("h-deleted_file", size: 3),
                "fresh": Self.table("h-fresh", size: 9), "now_remote": Self.table("", size: 0, mode: "remote"),
                "events": Self.table("", size: 0, mode: "remote"),
            ], assets: nil, server_time: nil)

        let plan = SyncPlan.make(manifest: manifest, state: state, workspace: workspace)
        #expect(plan.download == ["changed", "deleted_file", "fresh", "wrong_size"])
        #expect(plan.skipped == ["same"])
        #expect(plan.remote == ["events", "now_remote"])
        #expect(plan.remove == ["now_remote", "revoked", "stray"], "revoked, a stray file and a table that became remote")
        #expect(plan.unknown.isEmpty)

        let only = SyncPlan.make(manifest: manifest, state: state, workspace: workspace, only: ["changed", "revoked", "ghost"])
        #expect(only.download == ["changed"])
        #expect(only.remove == ["revoked"], "--table removes only the named tables")
        #expect(only.unknown == ["ghost", "revoked"])

        let docsOnly = SyncPlan.make(manifest: manifest, state: state, workspace: workspace, includeTables: false)
        #expect(docsOnly == SyncPlan())
    }

    @Test func ratesAndContentRanges() {
        #expect(SyncOptions.parseRate("500K") == 512_000)
        #expect(SyncOptions.parseRate("2m") == 2 << 20)
        #expect(SyncOptions.parseRate("1GB") == 1 << 30)
        #expect(SyncOptions.parseRate("1234") == 1234)
        for bad in ["", "0", "-5K", "fast", "9999999999999999999G"] { #expect(SyncOptions.parseRate(bad) == nil, "\(bad)") }
        #expect(ParquetDownloader.contentRange("bytes 100-199/200")! == (100, 200))
        #expect(ParquetDownloader.contentRange("bytes */200") == nil)
    }

    @Test func progressCountsEachTableOnceAcrossRetries() {
        let progress = SyncProgress()
        progress.plan(tables: 2, bytes: 300)
        progress.begin("a", alreadyHave: 0, total: 100)
        progress.received("a", bytes: 60)
        progress.begin("a", alreadyHave: 40, total: 100)  // a retry that resumes from 40 bytes on disk
        #expect(progress.snapshot.bytesDone == 40)
        progress.received("a", bytes: 60)
        progress.finish("a", succeeded: true)
        progress.begin("b", alreadyHave: 0, total: 200)
        progress.received("b", bytes: 50)
        progress.finish("b", succeeded: false)
        let done = progress.snapshot
        #expect(done.tablesDone == 2)
        #expect(done.bytesDone == 150)
        #expect(done.bytesTotal == 150, "a failed table's missing bytes no longer count")
        #expect(done.active.isEmpty)
    }

    @Test func docsPathsStayInsideTheDocsFolder() {
        for good in ["metrics/revenue/mrr.yml", "README.md", "a/b/c.yml"] { #expect(AssetSync.isSafeRelativePath(good), "\(good)") }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", ".hidden", "a/.git/config", "a\\b", "a\0b"] {
            #expect(!AssetSync.isSafeRelativePath(bad), "\(bad)")
        }
    }
}

/// `server/sync_state.json`: what `save` writes, `load` reads back — by the quick path and by JSONDecoder.
struct LocalSyncStateTests {
    @Test func savedStateLoadsBackExactly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = URL(fileURLWithPath: directory.path + "/sync_state.json")
        var state = LocalSyncState()
        for index in 0..<300 { state.tables["t\(index)"] = .init(hash: "h\(index)", rows: Int64(index), size_bytes: Int64(index * 7)) }
        state.last_sync = "2026-11-22T05:00:00.000Z"
        state.docs_hash = "d"
        state.remote_tables = ["events"]
        state.sessions = ["a.jsonl": .init(size: 3, mtime: 1.5)]
        try state.save(to: file)
        #expect(try LocalSyncState.load(from: file) == state)
        let data = try Data(contentsOf: file)
        #expect(LocalSyncState.splitTables(data)?.0 == state.tables, "the quick path reads what save writes")

        // A sync that changed no table copies the tables block and changes the rest.
        var touched = try LocalSyncState.load(from: file)
        touched.last_sync = "2026-11-23T06:00:00.000Z"
        touched.sessions = nil
        try touched.saveKeepingTables(at: file)
        #expect(try LocalSyncState.load(from: file) == touched)
        #expect(try Data(contentsOf: file).count < data.count, "the sessions are gone, the tables kept")

        // Another shape (pretty-printed by anyone else) still loads, through JSONDecoder.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted]
        try encoder.encode(state).write(to: file)
        #expect(LocalSyncState.splitTables(try Data(contentsOf: file)) == nil)
        #expect(try LocalSyncState.load(from: file) == state)
        // …and keeping its tables writes them again (there is no block to copy).
        try state.saveKeepingTables(at: file)
        #expect(try LocalSyncState.load(from: file) == state)
        #expect(LocalSyncState.splitTables(try Data(contentsOf: file))?.0 == state.tables)

        var empty = LocalSyncState()
        empty.last_sync = "x"
        try empty.save(to: file)
        #expect(try LocalSyncState.load(from: file) == empty)
        try Data("{not json".utf8).write(to: file)
        #expect(throws: ClientError.self) { try LocalSyncState.load(from: file) }
    }
}

/// `da sync --json`: valid JSON with every key, whatever the messages contain.
struct SyncReportJSONTests {
    @Test func reportIsValidJSONWithEveryKey() throws {
        var report = SyncReport()
        report.downloaded = ["orders"]
        report.skipped = ["a", "b"]
        report.errors = [("t\"1", "line\nbreak and \"quotes\" \\ slash")]
        report.uploadErrors = [("x.jsonl", "413")]
        report.sessionsUploaded = ["s.jsonl"]
        report.dryRun = true
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(
            Set(object.keys)
                == [
                    "bytes_downloaded", "clashes", "docs_updated", "downloaded", "dry_run", "errors", "profiles_updated", "remote",
                    "removed", "rules_updated", "skipped", "uploaded",
                ])
        #expect((object["errors"] as? [[String: String]])?.first == ["table": "t\"1", "error": "line\nbreak and \"quotes\" \\ slash"])
        let uploaded = try #require(object["uploaded"] as? [String: Any])
        #expect(uploaded["sessions"] as? Int == 1)
        #expect(uploaded["session_files"] as? [String] == ["s.jsonl"])
        #expect((uploaded["errors"] as? [[String: String]])?.first?["file"] == "x.jsonl")
        #expect(object["skipped"] as? [String] == ["a", "b"])
    }
}
