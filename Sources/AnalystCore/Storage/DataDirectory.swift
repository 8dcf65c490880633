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
    /// `user_sessions/<user id>/<name>.jsonl`: Claude Code session transcripts users upload.
    public var userSessions: URL { root.appendingPathComponent("user_sessions", isDirectory: true) }
    /// `user_artifacts/<user id>/<name>`: files users upload as artifacts.
    public var userArtifacts: URL { root.appendingPathComponent("user_artifacts", isDirectory: true) }
    /// `user_local_md/<user id>.md`: each user's uploaded `CLAUDE.local.md`.
    public var userLocalMarkdown: URL { root.appendingPathComponent("user_local_md", isDirectory: true) }

    /// Creates the directory and its fixed subdirectories; says which path failed and why.
    public func prepare() throws {
        for directory in [
            root, state, analytics, extracts, docs, inbox, uploads, userSessions, userArtifacts, userLocalMarkdown,
        ] {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw StorageError.cannotCreateDirectory(path: directory.path, reason: error.localizedDescription)
            }
        }
    }
}
