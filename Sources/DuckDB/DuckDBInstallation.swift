import Foundation

/// Where `scripts/setup-duckdb.sh` put DuckDB 1.5.5: `DUCKDB_HOME`, else the per-user cache directory.
/// (Package.swift resolves the same path for the compiler and linker.)
public enum DuckDBInstallation {
    public static let version = "1.5.5"

    /// `DUCKDB_HOME`, or `${XDG_CACHE_HOME:-~/.cache}/ai-data-analyst/duckdb-1.5.5`.
    public static func home(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["DUCKDB_HOME"], !home.isEmpty { return home }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache"
        return cache + "/ai-data-analyst/duckdb-\(version)"
    }

    /// `<home>/extensions`, the directory to give DuckDB as `extension_directory`, if it exists.
    public static func extensionDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let directory = home(environment: environment) + "/extensions"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return directory
    }
}
