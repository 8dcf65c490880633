import AnalystCore
import DuckDB
import Foundation

/// Writes the BigQuery source's `extract.duckdb`: local tables, the cursors and, for `query_mode: remote` tables,
/// views over the project attached with DuckDB's bigquery extension and an `_remote_attach` row
/// (`extension = bigquery`, `url = project=<id>`, no token: the extension authenticates itself).
///
/// DuckDB binds a view when it is created, so remote views are created in a staged extract while the project is
/// attached (as `DatabaseExtractWriter` does); the staged file is renamed over the old extract.
struct BigQueryExtractWriter: Sendable {
    var source: ExtractSource
    var project: String
    var extensionDirectory: String?

    /// A remote table to publish: its checked registration and its `_meta` row.
    struct Remote: Sendable {
        var table: BigQueryTable
        var entry: ExtractTable
    }

    /// The alias the project is attached as.
    var alias: String {
        let cleaned = String(project.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        return String(("bq_" + cleaned).prefix(64))
    }

    /// The remote view's body.
    func remoteSelect(_ table: BigQueryTable) throws -> String {
        guard case .table(let dataset, let name) = table.origin else {
            throw ExtractError("source_query needs query_mode local for BigQuery tables (the query is materialised)")
        }
        return "SELECT * FROM \(Identifier.quoted(alias)).\(Identifier.quoted(dataset)).\(Identifier.quoted(name))"
    }

    /// Blocking: call off the cooperative pool. Returns the remote tables left out of the extract, with why.
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
        let attachment = RemoteAttachment(
            alias: alias, extensionName: BigQueryExtension.name, url: "project=\(project)", tokenEnvironmentVariable: nil)
        let placeholders = Dictionary(uniqueKeysWithValues: remote.map { ($0.entry.name, "SELECT NULL AS pending") })
        try ExtractContract.write(
            staging, tables: (local + remote.map(\.entry)).sorted { $0.name < $1.name }, attachments: [attachment],
            remoteViews: placeholders, cursors: cursors)
        let failures = try createRemoteViews(in: staging, remote: remote, attachment: attachment)
        guard rename(staging.database.path, source.database.path) == 0 else {
            throw ExtractError("could not move the BigQuery extract into place: \(String(cString: strerror(errno)))")
        }
        return failures
    }

    private func createRemoteViews(in staging: ExtractSource, remote: [Remote], attachment: RemoteAttachment) throws -> [String: String] {
        let connection = try Database(path: staging.database.path, configuration: .init(threads: 1, extensionDirectory: extensionDirectory))
            .connect()
        var failures: [String: String] = [:]
        do {
            try connection.execute("LOAD \(BigQueryExtension.name)")
            try connection.execute(
                "ATTACH \(Identifier.literal(attachment.url)) AS \(Identifier.quoted(alias)) (TYPE \(BigQueryExtension.name), READ_ONLY)")
            for table in remote {
                do {
                    try connection.execute(
                        "CREATE OR REPLACE VIEW \(Identifier.quoted(table.entry.name)) AS \(try remoteSelect(table.table))")
                } catch {
                    failures[table.entry.name] = (error as? DuckDBError)?.message ?? "\(error)"
                }
            }
            try connection.execute("DETACH \(Identifier.quoted(alias))")
        } catch {
            let reason = "BigQuery project \(project) could not be attached: \((error as? DuckDBError)?.message ?? "\(error)")"
            for table in remote { failures[table.entry.name] = reason }
        }
        for name in failures.keys.sorted() {
            try connection.run("DELETE FROM _meta WHERE table_name = ?", [.varchar(name)])
            try connection.execute("DROP VIEW IF EXISTS \(Identifier.quoted(name))")
        }
        if failures.count == remote.count {
            try connection.run("DELETE FROM _remote_attach WHERE alias = ?", [.varchar(alias)])
        }
        try connection.execute("CHECKPOINT")
        return failures
    }
}
