import DuckDB
import Foundation

/// DuckDB's `bigquery` community extension, which `query_mode: remote` tables need (the server attaches the project
/// with it and queries BigQuery live). It is not on PyPI and nothing is downloaded at run time: an operator puts the
/// file into DuckDB's extension directory.
enum BigQueryExtension {
    static let name = "bigquery"
    static let fileName = "bigquery.duckdb_extension"

    /// DuckDB's name for this machine's platform.
    static var platform: String {
        #if os(macOS)
            #if arch(arm64)
                return "osx_arm64"
            #else
                return "osx_amd64"
            #endif
        #else
            #if arch(arm64)
                return "linux_arm64"
            #else
                return "linux_amd64"
            #endif
        #endif
    }

    /// Where the extension file must be: `<DUCKDB_HOME>/extensions/v1.5.5/<platform>/bigquery.duckdb_extension`.
    static func expectedPath(environment: [String: String]) -> String {
        let directory =
            DuckDBInstallation.extensionDirectory(environment: environment)
            ?? DuckDBInstallation.home(environment: environment) + "/extensions"
        return "\(directory)/v\(DuckDBInstallation.version)/\(platform)/\(fileName)"
    }

    static func isInstalled(environment: [String: String]) -> Bool {
        FileManager.default.fileExists(atPath: expectedPath(environment: environment))
    }

    /// Why a remote BigQuery table cannot be used here, and how to fix it.
    static func missing(environment: [String: String]) -> String {
        let path = expectedPath(environment: environment)
        return "query_mode remote for bigquery needs DuckDB's bigquery extension: put \(fileName) for DuckDB "
            + "v\(DuckDBInstallation.version) \(platform) at \(path) (it is a community extension, not on PyPI), "
            + "or register the table with query_mode local"
    }
}
