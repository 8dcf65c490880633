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
            try ExtractAttacher.attachDatabase(
                connectionString, extensionName: attachment.extensionName, alias: attachment.alias, to: connection)
            return
        }
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

extension ExtractAttacher {
    /// Loads `extensionName` (one of `databaseExtensions`, from the configured extension directory) and attaches the
    /// database at `connectionString` read-only as `alias`. The connection string is a secret and DuckDB quotes it
    /// in its errors: what this throws is an `ExtractError` with the string and its password taken out.
    public static func attachDatabase(
        _ connectionString: String, extensionName: String, alias: String, to connection: Connection
    ) throws {
        guard let type = databaseExtensions[extensionName] else {
            throw ExtractError("extension \"\(extensionName)\" does not attach databases")
        }
        guard Identifier.isValid(alias), !reservedNames.contains(alias) else {
            throw ExtractError("remote alias \"\(alias)\" is not an identifier (\(Identifier.rule))")
        }
        do {
            // LOAD only: extensions come from DUCKDB_HOME/extensions; nothing is downloaded at run time.
            try connection.execute("LOAD \(extensionName)")
        } catch {
            throw ExtractError(
                "DuckDB's \(type) extension cannot be loaded (scripts/setup-duckdb.sh installs it): \(message(of: error))")
        }
        do {
            try connection.execute(
                "ATTACH \(Identifier.literal(connectionString)) AS \(Identifier.quoted(alias)) (TYPE \(type), READ_ONLY)")
        } catch {
            // The statement's own text (after "LINE n:") may show a window of the connection string that a
            // whole-string match misses: only DuckDB's message is kept.
            var text = message(of: error)
            if let context = text.range(of: "\nLINE ") { text = String(text[..<context.lowerBound]) }
            throw ExtractError(
                "could not attach the \(type) database \(alias): \(redact(text, connectionString: connectionString))")
        }
    }

    /// `text` without `connectionString` and without the password in it, for error messages and log lines.
    public static func redact(_ text: String, connectionString: String) -> String {
        var result = text
        let trimmed = connectionString.trimmingCharacters(in: .whitespacesAndNewlines)
        for whole in [connectionString, trimmed, connectionString.replacingOccurrences(of: "'", with: "''")]
        where !whole.isEmpty {
            result = result.replacingOccurrences(of: whole, with: "<connection string>")
        }
        for password in passwords(in: trimmed).sorted(by: { $0.count > $1.count }) where !password.isEmpty {
            result = result.replacingOccurrences(of: password, with: "***")
        }
        return result
    }

    /// The password in a libpq-style `key=value` string (`password`, `passwd`, `pwd`; values may be single-quoted)
    /// or a URI (`scheme://user:password@host/…?password=…`), as written and percent-decoded.
    static func passwords(in connectionString: String) -> [String] {
        let keys: Set<String> = ["password", "passwd", "pwd"]
        var found: [String] = []
        if let scheme = connectionString.range(of: "://") {
            let rest = connectionString[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                found.append(String(authority[authority.index(after: colon)..<at]))
            }
            if let question = rest.firstIndex(of: "?") {
                for pair in rest[rest.index(after: question)...].split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2, keys.contains(parts[0].lowercased()) { found.append(String(parts[1])) }
                }
            }
            found += found.compactMap { $0.removingPercentEncoding }
        } else {
            for (key, value) in keywordPairs(connectionString) where keys.contains(key.lowercased()) {
                found.append(value)
            }
        }
        return Array(Set(found.filter { !$0.isEmpty }))
    }

    /// `key = value` pairs of a libpq keyword string; a value is single-quoted (with `\'` and `\\` escapes) or
    /// runs to the next space. A value is returned unescaped and as spelled (quoted and unquoted), for redaction.
    static func keywordPairs(_ text: String) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var index = text.startIndex
        func skipSpaces() {
            while index < text.endIndex, text[index].isWhitespace { index = text.index(after: index) }
        }
        while index < text.endIndex {
            skipSpaces()
            let keyStart = index
            while index < text.endIndex, text[index] != "=", !text[index].isWhitespace { index = text.index(after: index) }
            let key = String(text[keyStart..<index])
            skipSpaces()
            guard index < text.endIndex, text[index] == "=" else {
                if index < text.endIndex { index = text.index(after: index) }
                continue
            }
            index = text.index(after: index)
            skipSpaces()
            var value = ""
            let valueStart = index
            if index < text.endIndex, text[index] == "'" {
                index = text.index(after: index)
                while index < text.endIndex, text[index] != "'" {
                    if text[index] == "\\", text.index(after: index) < text.endIndex { index = text.index(after: index) }
                    value.append(text[index])
                    index = text.index(after: index)
                }
                let inner = String(text[text.index(after: valueStart)..<index])
                if index < text.endIndex { index = text.index(after: index) }
                pairs.append((key, String(text[valueStart..<index])))
                if inner != value { pairs.append((key, inner)) }
            } else {
                while index < text.endIndex, !text[index].isWhitespace {
                    if text[index] == "\\", text.index(after: index) < text.endIndex { index = text.index(after: index) }
                    value.append(text[index])
                    index = text.index(after: index)
                }
                if value != String(text[valueStart..<index]) { pairs.append((key, String(text[valueStart..<index]))) }
            }
            pairs.append((key, value))
        }
        return pairs
    }

    private static func message(of error: any Error) -> String {
        (error as? DuckDBError)?.message ?? "\(error)"
    }
}
