/// Failures of the server's own storage (data directory, system database, schema).
public enum StorageError: Error, CustomStringConvertible, Equatable {
    case cannotCreateDirectory(path: String, reason: String)
    case cannotOpenDatabase(path: String, reason: String)
    /// The database was written by a newer version of the server; refusing to run keeps it intact.
    case schemaTooNew(path: String, found: Int, known: Int)
    case migrationFailed(version: Int, name: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason):
            return "cannot create directory \(path): \(reason). Check the path and its permissions (--data-dir / DATA_DIR)."
        case .cannotOpenDatabase(let path, let reason):
            return "cannot open \(path): \(reason). Is another da-server using this data directory?"
        case .schemaTooNew(let path, let found, let known):
            return "\(path) has schema version \(found), but this da-server knows only up to \(known). "
                + "Upgrade da-server (or point it at another data directory); the database was left untouched."
        case .migrationFailed(let version, let name, let reason):
            return "schema migration \(version) (\(name)) failed and was rolled back: \(reason)"
        }
    }
}
