import Foundation

/// The server's data directory and the fixed places inside it (see ARCHITECTURE.md §6).
public struct DataDirectory: Sendable, Hashable {
    /// Absolute path of the data directory.
    public let root: URL

    public init(_ path: String) {
        let url = URL(fileURLWithPath: path, isDirectory: true)
        self.root = url.standardizedFileURL
    }

    /// `state/`: system.duckdb and server-owned state such as the dev JWT secret.
    public var state: URL { root.appendingPathComponent("state", isDirectory: true) }
    /// `state/system.duckdb`: users, registry, sync state, audit, …
    public var systemDatabase: URL { state.appendingPathComponent("system.duckdb") }
    /// `analytics/`: the views database the query API reads.
    public var analytics: URL { root.appendingPathComponent("analytics", isDirectory: true) }
    /// `analytics/server.duckdb`: views only, rebuilt atomically by the orchestrator.
    public var analyticsDatabase: URL { analytics.appendingPathComponent("server.duckdb") }
    /// `extracts/<source>/`: one folder per source, written by connectors.
    public var extracts: URL { root.appendingPathComponent("extracts", isDirectory: true) }
    /// `docs/`: metric YAML and table docs.
    public var docs: URL { root.appendingPathComponent("docs", isDirectory: true) }
    /// `inbox/<table>.{csv,parquet}`: files waiting to be published by the files source.
    public var inbox: URL { root.appendingPathComponent("inbox", isDirectory: true) }
    /// `uploads/<user>/…`: what analysts upload.
    public var uploads: URL { root.appendingPathComponent("uploads", isDirectory: true) }

    /// Creates the directory and its fixed subdirectories; says which path failed and why.
    public func prepare() throws {
        for directory in [root, state, analytics, extracts, docs, inbox, uploads] {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw StorageError.cannotCreateDirectory(path: directory.path, reason: error.localizedDescription)
            }
        }
    }
}
