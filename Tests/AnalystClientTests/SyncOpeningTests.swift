import AnalystClient
import DuckDB
import Foundation
import Hummingbird
import TestSupport
import Testing

/// A first sync opens the analyst database while it fetches the manifest; whatever happens to the fetch, the sync
/// ends only once that open is done, and the database holds no view the sync did not commit.
@Suite struct SyncOpeningTests {
    @Test func aFirstSyncThatCannotReachTheServerFailsCleanly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let workspace = Workspace(path: directory.appending("workspace"))
        var options = SyncOptions()
        options.noUpload = true
        let syncer = Syncer(server: "http://127.0.0.1:\(try FreePort.find())", token: "token", workspace: workspace)
        await #expect {
            _ = try await syncer.run(options)
        } throws: { error in
            guard case ClientError.offline = error else { return false }
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.stateFile.path), "nothing recorded as synced")
        // The database the sync opened can be opened again at once: the sync's connection is gone with it.
        let views = try Database(path: workspace.database.path).connect().query(
            "SELECT count(*) FROM duckdb_views() WHERE NOT internal"
        ).rows()
        #expect(views.first?.first?.int64Value == 0)
    }

    @Test func aManifestThatIsNotOneLeavesNoView() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let router = Router()
        router.get("api/sync/manifest") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"tables\":")))
        }
        let (port, task) = try await LocalHTTPServer.start(router, label: "broken manifest")
        defer { task.cancel() }
        let workspace = Workspace(path: directory.appending("workspace"))
        var options = SyncOptions()
        options.noUpload = true
        options.tables = ["orders"]
        let syncer = Syncer(server: "http://127.0.0.1:\(port)", token: "token", workspace: workspace)
        await #expect(throws: ClientError.self) { _ = try await syncer.run(options) }
        #expect(!FileManager.default.fileExists(atPath: workspace.stateFile.path))
    }
}
