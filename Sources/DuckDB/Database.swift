import CDuckDB

/// An open DuckDB database (a file, or in memory). Create connections from it with `connect()`.
///
/// DuckDB's database object is internally synchronised: connecting from several threads is safe, which is
/// why this class is `Sendable`. The database closes when the last reference to it (including every
/// `Connection`, which keeps its database alive) goes away.
public final class Database: @unchecked Sendable {
    /// The path given at open (`nil` for an in-memory database).
    public let path: String?
    let handle: duckdb_database

    /// Opens (or creates) the database at `path`; `nil` opens a private in-memory database.
    public init(path: String? = nil, configuration: Configuration = Configuration()) throws {
        self.path = path
        var config: duckdb_config?
        guard duckdb_create_config(&config) == DuckDBSuccess, let config else {
            throw DuckDBError.openFailed(path: path ?? ":memory:", message: "could not allocate a configuration")
        }
        defer {
            var toDestroy: duckdb_config? = config
            duckdb_destroy_config(&toDestroy)
        }
        for (name, value) in configuration.settings {
            guard duckdb_set_config(config, name, value) == DuckDBSuccess else {
                throw DuckDBError.openFailed(
                    path: path ?? ":memory:", message: "invalid configuration option \(name)=\(value)")
            }
        }
        var database: duckdb_database?
        var error: UnsafeMutablePointer<CChar>?
        let state = duckdb_open_ext(path, &database, config, &error)
        defer { if let error { duckdb_free(error) } }
        guard state == DuckDBSuccess, let database else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            throw DuckDBError.openFailed(path: path ?? ":memory:", message: message)
        }
        self.handle = database
    }

    deinit {
        var toClose: duckdb_database? = handle
        duckdb_close(&toClose)
    }

    /// Opens a new connection. A connection is used by one thread at a time.
    public func connect() throws -> Connection {
        try Connection(database: self)
    }

    /// The linked library's version, e.g. `v1.5.5`.
    public static var libraryVersion: String {
        String(cString: duckdb_library_version())
    }
}

extension Database {
    /// Options applied when a database opens. Unknown option names are refused by DuckDB at open.
    public struct Configuration: Sendable {
        /// Worker threads DuckDB may use for one query (`threads`).
        public var threads: Int?
        /// DuckDB's memory limit, e.g. `"2GB"` (`memory_limit`).
        public var memoryLimit: String?
        /// Read-only or read-write access (`access_mode`).
        public var accessMode: AccessMode?
        /// Directory that holds `v<version>/<platform>/<name>.duckdb_extension` (`extension_directory`).
        public var extensionDirectory: String?
        /// Whether DuckDB may download extensions it is asked to load. Off: we never fetch code at run time.
        public var allowExtensionDownloads: Bool = false
        /// Any other DuckDB option by its SQL name, e.g. `["enable_external_access": "false"]`.
        public var options: [String: String] = [:]

        public enum AccessMode: String, Sendable {
            case automatic = "AUTOMATIC"
            case readOnly = "READ_ONLY"
            case readWrite = "READ_WRITE"
        }

        public init(
            threads: Int? = nil, memoryLimit: String? = nil, accessMode: AccessMode? = nil,
            extensionDirectory: String? = nil, options: [String: String] = [:]
        ) {
            self.threads = threads
            self.memoryLimit = memoryLimit
            self.accessMode = accessMode
            self.extensionDirectory = extensionDirectory
            self.options = options
        }

        /// Every option as DuckDB names it, in a stable order.
        var settings: [(String, String)] {
            var result: [(String, String)] = []
            if let threads { result.append(("threads", String(threads))) }
            if let memoryLimit { result.append(("memory_limit", memoryLimit)) }
            if let accessMode { result.append(("access_mode", accessMode.rawValue)) }
            if let extensionDirectory { result.append(("extension_directory", extensionDirectory)) }
            if !allowExtensionDownloads { result.append(("autoinstall_known_extensions", "false")) }
            result += options.sorted { $0.key < $1.key }
            return result
        }
    }
}
