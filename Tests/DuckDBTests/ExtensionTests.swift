import DuckDB
import Foundation
import Testing

/// The extensions the setup script installs load from `DUCKDB_HOME/extensions`, without any download.
struct ExtensionTests {
    @Test(arguments: ["httpfs", "postgres_scanner"])
    func installedExtensionLoadsFromTheLocalDirectory(name: String) throws {
        let directory = try #require(
            DuckDBInstallation.extensionDirectory(), "run scripts/setup-duckdb.sh: DUCKDB_HOME/extensions is missing")
        let connection = try Database(configuration: .init(extensionDirectory: directory)).connect()
        try connection.execute("LOAD \(name)")
        let loaded = try connection.query(
            "SELECT loaded, install_path FROM duckdb_extensions() WHERE extension_name = ?", [.varchar(name)]
        ).rows()
        #expect(loaded.first?.first == .boolean(true))
        guard case .varchar(let path) = loaded.first?.last else {
            Issue.record("no install path for \(name)")
            return
        }
        #expect(path.hasPrefix(directory))
    }

    @Test func aMissingExtensionIsNotDownloaded() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-ext-\(UUID().uuidString)").path
        let connection = try Database(configuration: .init(extensionDirectory: empty)).connect()
        let error = #expect(throws: DuckDBError.self) { try connection.execute("LOAD httpfs") }
        #expect(error?.message.contains("httpfs") == true)
        #expect(!FileManager.default.fileExists(atPath: empty + "/v1.5.5"))
    }
}
