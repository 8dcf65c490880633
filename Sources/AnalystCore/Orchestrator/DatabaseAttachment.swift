import DuckDB
import Foundation
import Synchronization

/// The secrets an attacher passed to DuckDB (tokens, connection strings), remembered so that DuckDB's messages —
/// which may quote them, e.g. when a remote database drops during a query — are cleaned before anyone sees them.
final class UsedSecrets: Sendable {
    private let values = Mutex<Set<String>>([])

    func insert(_ secret: String) {
        guard !secret.isEmpty else { return }
        _ = values.withLock { $0.insert(secret) }
    }

    var all: [String] { values.withLock { Array($0) }.sorted { $0.count > $1.count } }
}

extension ExtractAttacher {
    /// `text` with every token and connection string this attacher used taken out (and the passwords in them).
    public func redactSecrets(in text: String) -> String {
        usedSecrets.all.reduce(text) { text, secret in ExtractAttacher.redact(text, connectionString: secret) }
    }

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
