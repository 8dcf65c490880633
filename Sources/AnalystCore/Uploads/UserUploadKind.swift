import Foundation

/// What a user uploads besides `CLAUDE.local.md`: Claude Code session transcripts and artifacts, each kept in one
/// folder per user id under the data directory.
public enum UserUploadKind: Sendable, Equatable {
    case session, artifact

    /// The folder of this kind in `directory` (it holds one subfolder per user id).
    public func folder(in directory: DataDirectory) -> URL {
        switch self {
        case .session: directory.userSessions
        case .artifact: directory.userArtifacts
        }
    }

    /// Whether an upload replaces a stored file of the same name: a session always (the CLI sends a session again
    /// as it grows), an artifact only when the uploader asked for it.
    public func replacesExisting(overwriteRequested: Bool) -> Bool {
        self == .session || overwriteRequested
    }

    /// Why `filename` (already a safe `UploadFilename`) cannot be stored as this kind; `nil` when it can.
    public func refusal(of filename: String) -> String? {
        guard self == .session, !filename.lowercased().hasSuffix(".jsonl") else { return nil }
        return "A session must be a Claude Code transcript ending in .jsonl, got \"\(filename)\""
    }
}
