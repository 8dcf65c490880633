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
    public static let defaultAllowedExtensions: Set<String> = ["keboola", "bigquery", "postgres", "postgres_scanner"]

    public let extracts: URL
    public let allowedExtensions: Set<String>
    /// Where tokens named by `_remote_attach.token_env` are read.
    public let environment: [String: String]

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

    /// Attaches `source`'s extract read-only as catalog `<name>` and its remote databases; returns what its
    /// `_meta` lists. Throws (leaving nothing of the source attached) when any part fails.
    public func attach(_ source: ExtractSource, to connection: Connection) throws -> [ExtractTable] {
        let catalog = Identifier.quoted(source.name)
        try connection.execute("ATTACH \(Identifier.literal(source.database.path)) AS \(catalog) (READ_ONLY)")
        do {
            let (tables, attachments) = try ExtractContract.read(from: connection, catalog: source.name)
            for attachment in attachments {
                try attachRemote(attachment, to: connection)
            }
            return tables
        } catch {
            try? connection.execute("DETACH \(catalog)")
            throw error
        }
    }

    private func attachRemote(_ attachment: RemoteAttachment, to connection: Connection) throws {
        guard Identifier.isValid(attachment.alias), !ExtractAttacher.reservedNames.contains(attachment.alias) else {
            throw ExtractError("remote alias \"\(attachment.alias)\" is not an identifier (\(Identifier.rule))")
        }
        guard allowedExtensions.contains(attachment.extensionName), Identifier.isValid(attachment.extensionName) else {
            throw ExtractError(
                "extension \"\(attachment.extensionName)\" is not allowed for remote sources (allowed: \(allowedExtensions.sorted().joined(separator: ", ")))"
            )
        }
        let attached =
            try connection.query(
                "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [.varchar(attachment.alias)]
            ).scalar()?.int64Value ?? 0
        guard attached == 0 else { return }
        var options = ["TYPE \(attachment.extensionName)", "READ_ONLY"]
        if let variable = attachment.tokenEnvironmentVariable {
            guard let token = environment[variable], !token.isEmpty else {
                throw ExtractError("environment variable \(variable) (the token for \(attachment.alias)) is not set")
            }
            options.append("TOKEN \(Identifier.literal(token))")
        }
        // LOAD only: extensions come from DUCKDB_HOME/extensions; nothing is downloaded at run time.
        try connection.execute("LOAD \(attachment.extensionName)")
        try connection.execute(
            "ATTACH \(Identifier.literal(attachment.url)) AS \(Identifier.quoted(attachment.alias)) (\(options.joined(separator: ", ")))")
    }
}
