import DuckDB
import Foundation

/// Attaches source extracts (read-only) and their remote databases to a DuckDB database, the same way for the
/// rebuild and for every query epoch, so the views in `server.duckdb` resolve wherever they are used.
public struct ExtractAttacher: Sendable {
    /// Names a source may not have: DuckDB's own catalogs and schemas, and the analytics database itself.
    public static let reservedNames: Set<String> = [
        "main", "system", "temp", "memory", "server", "information_schema", "pg_catalog",
    ]
    /// Extensions `_remote_attach` may name by default.
    public static let defaultAllowedExtensions: Set<String> = [
        "keboola", "bigquery", "postgres", "postgres_scanner", "mysql", "mysql_scanner",
    ]
    /// Extensions that attach a database by its connection string (`ATTACH '<connection string>' (TYPE …)`), by
    /// their load name and their canonical file name. A `_remote_attach` row of one of these with an empty `url`
    /// takes the connection string from the environment variable `token_env`, so the extract never holds it.
    public static let databaseExtensions: [String: String] = [
        "postgres": "postgres", "postgres_scanner": "postgres", "mysql": "mysql", "mysql_scanner": "mysql",
    ]

    public let extracts: URL
    public let allowedExtensions: Set<String>
    /// Where tokens named by `_remote_attach.token_env` are read.
    public let environment: [String: String]
    /// Every token and connection string this attacher has used, so messages can be cleaned of them.
    let usedSecrets = UsedSecrets()

    public init(
        extracts: URL, allowedExtensions: Set<String> = ExtractAttacher.defaultAllowedExtensions,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.extracts = extracts
        self.allowedExtensions = allowedExtensions
        self.environment = environment
    }

    /// A source folder found under `extracts/`, or why it is skipped.
    public enum Candidate: Sendable, Equatable {
        case source(ExtractSource)
        case skipped(name: String, reason: String)
    }

    /// The folders of `extracts/` in sorted order: those with a usable name and an `extract.duckdb`, and the
    /// others with the reason they are skipped (folders without `extract.duckdb` are not mentioned).
    public func candidates() -> [Candidate] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: extracts.path)) ?? []
        return names.sorted().compactMap { name -> Candidate? in
            let source = ExtractSource(name: name, in: extracts)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source.directory.path, isDirectory: &isDirectory), isDirectory.boolValue,
                FileManager.default.fileExists(atPath: source.database.path)
            else { return nil }
            guard Identifier.isValid(name) else {
                return .skipped(name: name, reason: "source folder name is not an identifier (\(Identifier.rule))")
            }
            guard !ExtractAttacher.reservedNames.contains(name) else {
                return .skipped(name: name, reason: "source name \"\(name)\" is reserved by DuckDB")
            }
            return .source(source)
        }
    }

    /// What attaching a source gave: the tables its `_meta` lists, and why remote databases could not be attached.
    public struct Attached: Sendable {
        public var tables: [ExtractTable]
        /// One message per remote database that could not be attached (unset token, unreachable, refused); its
        /// remote tables cannot be read, the source's local tables can.
        public var remoteFailures: [String]
    }

    /// Attaches `source`'s extract read-only as catalog `<name>` and its remote databases. Throws (leaving nothing
    /// of the source attached) when the extract cannot be read or names a remote database it may not (an extension
    /// that is not allowed, a bad alias); a remote database that cannot be reached is reported in the result
    /// instead, so one dead database does not hide the source's local tables.
    public func attach(_ source: ExtractSource, to connection: Connection) throws -> Attached {
        let catalog = Identifier.quoted(source.name)
        try connection.execute("ATTACH \(Identifier.literal(source.database.path)) AS \(catalog) (READ_ONLY)")
        do {
            let (tables, attachments) = try ExtractContract.read(from: connection, catalog: source.name)
            for attachment in attachments { try check(attachment) }
            var failures: [String] = []
            for attachment in attachments {
                do {
                    try attachRemote(attachment, to: connection)
                } catch {
                    failures.append(redactSecrets(in: (error as? DuckDBError)?.message ?? "\(error)"))
                }
            }
            return Attached(tables: tables, remoteFailures: failures)
        } catch {
            try? connection.execute("DETACH \(catalog)")
            throw error
        }
    }

    /// Refuses a `_remote_attach` row this server must not load: an alias that is not an identifier, an extension
    /// not on the allow-list.
    private func check(_ attachment: RemoteAttachment) throws {
        guard Identifier.isValid(attachment.alias), !ExtractAttacher.reservedNames.contains(attachment.alias) else {
            throw ExtractError("remote alias \"\(attachment.alias)\" is not an identifier (\(Identifier.rule))")
        }
        guard allowedExtensions.contains(attachment.extensionName), Identifier.isValid(attachment.extensionName) else {
            throw ExtractError(
                "extension \"\(attachment.extensionName)\" is not allowed for remote sources (allowed: \(allowedExtensions.sorted().joined(separator: ", ")))"
            )
        }
    }

    private func attachRemote(_ attachment: RemoteAttachment, to connection: Connection) throws {
        let attached =
            try connection.query(
                "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [.varchar(attachment.alias)]
            ).scalar()?.int64Value ?? 0
        guard attached == 0 else { return }
        if ExtractAttacher.databaseExtensions[attachment.extensionName] != nil {
            // A database: the connection string (a secret) is the attach path itself, read from the environment.
            let connectionString: String
            if attachment.url.isEmpty {
                guard let variable = attachment.tokenEnvironmentVariable, EnvironmentName.isValid(variable) else {
                    throw ExtractError("remote database \(attachment.alias) names no connection variable (token_env)")
                }
                guard let value = environment[variable], !value.isEmpty else {
                    throw ExtractError(
                        "environment variable \(variable) (the connection string for \(attachment.alias)) is not set")
                }
                connectionString = value
            } else {
                connectionString = attachment.url
            }
            usedSecrets.insert(connectionString)
            try ExtractAttacher.attachDatabase(
                connectionString, extensionName: attachment.extensionName, alias: attachment.alias, to: connection)
            return
        }
        var options = ["TYPE \(attachment.extensionName)", "READ_ONLY"]
        if let variable = attachment.tokenEnvironmentVariable {
            guard let token = environment[variable], !token.isEmpty else {
                throw ExtractError("environment variable \(variable) (the token for \(attachment.alias)) is not set")
            }
            usedSecrets.insert(token)
            options.append("TOKEN \(Identifier.literal(token))")
        }
        // LOAD only: extensions come from DUCKDB_HOME/extensions; nothing is downloaded at run time.
        try connection.execute("LOAD \(attachment.extensionName)")
        try connection.execute(
            "ATTACH \(Identifier.literal(attachment.url)) AS \(Identifier.quoted(attachment.alias)) (\(options.joined(separator: ", ")))")
    }
}
