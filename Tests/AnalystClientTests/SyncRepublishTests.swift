import AnalystClient
import Crypto
import DuckDB
import Foundation
import Hummingbird
import Synchronization
import TestSupport
import Testing

/// A table the server republishes while `da sync` fetches it (a Jira batch every second) is fetched again from a
/// fresh manifest instead of failing the sync.
@Suite struct SyncRepublishTests {
    @Test func aPartitionRepublishedDuringTheSyncIsFetchedAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Two versions of one partition, as real parquet files.
        let connection = try Database().connect()
        var written: [Data] = []
        for rows in [1, 2] {
            let path = directory.appending("v\(rows).parquet")
            try connection.execute("COPY (SELECT range AS id FROM range(\(rows))) TO '\(path)' (FORMAT parquet)")
            written.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let versions = written
        @Sendable func hash(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
        @Sendable func manifest(_ data: Data) -> String {
            """
            {"tables": {"events": {"hash": "\(hash(data))-all", "size_bytes": \(data.count), "rows": 1, "query_mode": "local",
             "partitions": {"2026-01": {"hash": "\(hash(data))", "size_bytes": \(data.count)}}}}, "server_time": "now"}
            """
        }
        // The first manifest lists version 1; by the time the partition is fetched, version 2 is published.
        let manifests = Mutex(0)
        let router = Router()
        router.get("api/sync/manifest") { _, _ in
            let served = manifests.withLock {
                $0 += 1
                return $0
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: manifest(versions[served == 1 ? 0 : 1]))))
        }
        router.get("api/data/events/download") { request, _ in
            guard request.uri.queryParameters.get("partition") == "2026-01" else { return Response(status: .notFound) }
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", .eTag: "\"\(hash(versions[1]))\""],
                body: .init(byteBuffer: ByteBuffer(data: versions[1])))
        }
        let (port, task) = try await LocalHTTPServer.start(router, label: "republishing server")
        defer { task.cancel() }

        var options = SyncOptions()
        options.noUpload = true
        let syncer = Syncer(
            server: "http://127.0.0.1:\(port)", token: "token", workspace: Workspace(path: directory.appending("workspace")))
        let report = try await syncer.run(options)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.downloaded == ["events"])
        #expect(manifests.withLock { $0 } == 2, "one fresh manifest after the change")
        let local = try Database(path: directory.appending("workspace/user/duckdb/analytics.duckdb")).connect()
        #expect(try local.query("SELECT count(*) FROM events").scalar() == .bigint(2))
    }
}
