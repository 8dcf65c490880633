import AnalystCore
import DuckDB
import Foundation

/// Writes a database source's `extract.duckdb`: local tables, remote tables with their views over the attached
/// databases, `_remote_attach` rows that name the connection variable (never the connection string) and the cursors.
///
/// DuckDB binds a view when it is created, so a remote view can only be created while its database is attached. An
/// extract with remote tables is therefore built in a staging folder (whose `data` links to the source's `data`),
/// its placeholder remote views are replaced while the databases are attached read-only, the databases are
/// detached, and the file is renamed over the old extract: readers see the old or the new extract, never half.
struct DatabaseExtractWriter: Sendable {
    var source: ExtractSource
    var kind: DatabaseKind
    var extensionDirectory: String?
    var environment: [String: String]

    /// A remote table to publish: its checked registration and its `_meta` row.
    struct Remote: Sendable {
        var table: DatabaseTable
        var entry: ExtractTable
    }

    /// Blocking: call off the cooperative pool. Returns the remote tables left out of the extract, with why (their
    /// database could not be attached or their view does not bind; the message holds no connection string).
    func write(local: [ExtractTable], remote: [Remote], cursors: [String: String]) throws -> [String: String] {
        guard !remote.isEmpty else {
            try ExtractContract.write(source, tables: local.sorted { $0.name < $1.name }, cursors: cursors)
            return [:]
        }
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: source.dataDirectory, withIntermediateDirectories: true)
        let staging = ExtractSource(name: ".staging", in: source.directory)
        let stagingData = staging.dataDirectory.path
        func removeStaging() {
            // The link first, so removing the folder can never reach the published files.
            unlink(stagingData)
            try? fileManager.removeItem(at: staging.directory)
        }
        removeStaging()
        defer { removeStaging() }
        try fileManager.createDirectory(at: staging.directory, withIntermediateDirectories: true)
        try fileManager.createSymbolicLink(atPath: stagingData, withDestinationPath: source.dataDirectory.path)

        let variables = Array(Set(remote.map(\.table.environmentVariable))).sorted()
        let attachments = variables.map {
            RemoteAttachment(alias: kind.alias(for: $0), extensionName: kind.extensionName, url: "", tokenEnvironmentVariable: $0)
        }
        let placeholders = Dictionary(uniqueKeysWithValues: remote.map { ($0.entry.name, "SELECT NULL AS pending") })
        try ExtractContract.write(
            staging, tables: (local + remote.map(\.entry)).sorted { $0.name < $1.name }, attachments: attachments,
            remoteViews: placeholders, cursors: cursors)
        let failures = try createRemoteViews(in: staging, remote: remote, variables: variables)
        guard rename(staging.database.path, source.database.path) == 0 else {
            throw ExtractError("could not move the \(kind.displayName) extract into place: \(String(cString: strerror(errno)))")
        }
        return failures
    }

    /// Replaces the staged extract's placeholder views with the real ones while the databases are attached, and
    /// removes what cannot be published. The database closes when this returns.
    private func createRemoteViews(in staging: ExtractSource, remote: [Remote], variables: [String]) throws -> [String: String] {
        let connection = try Database(path: staging.database.path, configuration: .init(threads: 1, extensionDirectory: extensionDirectory))
            .connect()
        var failures: [String: String] = [:]
        for variable in variables {
            let tables = remote.filter { $0.table.environmentVariable == variable }
            let alias = kind.alias(for: variable)
            guard let connectionString = environment[variable], !connectionString.isEmpty else {
                for table in tables { failures[table.entry.name] = kind.missingVariable(variable) }
                continue
            }
            do {
                try ExtractAttacher.attachDatabase(connectionString, extensionName: kind.extensionName, alias: alias, to: connection)
            } catch {
                for table in tables { failures[table.entry.name] = "\(error)" }
                continue
            }
            for table in tables {
                do {
                    try connection.execute("CREATE OR REPLACE VIEW \(Identifier.quoted(table.entry.name)) AS \(table.table.remoteSelect)")
                } catch {
                    let message = (error as? DuckDBError)?.message ?? "\(error)"
                    failures[table.entry.name] = ExtractAttacher.redact(message, connectionString: connectionString)
                }
            }
            try connection.execute("DETACH \(Identifier.quoted(alias))")
        }
        for name in failures.keys.sorted() {
            try connection.run("DELETE FROM _meta WHERE table_name = ?", [.varchar(name)])
            try connection.execute("DROP VIEW IF EXISTS \(Identifier.quoted(name))")
        }
        // An attachment no published view reads would only cost the server a connection (or fail its rebuild).
        for variable in variables where remote.allSatisfy({ $0.table.environmentVariable != variable || failures[$0.entry.name] != nil }) {
            try connection.run("DELETE FROM _remote_attach WHERE alias = ?", [.varchar(kind.alias(for: variable))])
        }
        try connection.execute("CHECKPOINT")
        return failures
    }
}
