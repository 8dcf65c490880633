import AnalystCore
import AsyncHTTPClient
import DuckDB
import Foundation
import Logging

/// The BigQuery source (`source_type: bigquery`): each registered table (`bucket` = dataset, `source_table`) or
/// registered SQL text (`source_query`) is queried through BigQuery's REST API with a service-account token, its
/// result pages are streamed to disk, typed from the result's schema and written by DuckDB as ZSTD parquet into
/// `extracts/bigquery/data/<table>.parquet`.
///
/// - `full_refresh` replaces the table; `incremental` reads the rows whose `cursor_column` is past the largest value
///   published (kept in the extract's `_cursors`) and upserts them by `primary_key` (appends without one).
/// - `query_mode: remote` publishes a view over the project attached with DuckDB's bigquery extension, when that
///   extension is installed.
/// - A table's new file replaces the old one by rename only after it was written whole; a failed table keeps its
///   last good file and its cursor. One table failing does not stop the others. No token or key reaches a message.
public struct BigQueryConnector: Connector {
    public static let sourceName = "bigquery"

    let settings: BigQuerySettings
    let environment: [String: String]
    let directory: DataDirectory
    let logger: Logger
    let authenticator: BigQueryAuthenticator
    let client: BigQueryClient

    /// `environment` names the service-account key file; the access token is cached for the connector's lifetime.
    public init(settings: BigQuerySettings, environment: [String: String], directory: DataDirectory, logger: Logger) {
        self.init(settings: settings, environment: environment, directory: directory, logger: logger, http: .shared)
    }

    init(settings: BigQuerySettings, environment: [String: String], directory: DataDirectory, logger: Logger, http: HTTPClient) {
        self.settings = settings
        self.environment = environment
        self.directory = directory
        self.logger = logger
        authenticator = BigQueryAuthenticator(settings: settings, environment: environment, http: http)
        client = BigQueryClient(settings: settings, authenticator: authenticator, http: http)
    }

    public var sourceName: String { BigQueryConnector.sourceName }
    var source: ExtractSource { ExtractSource(name: sourceName, in: directory.extracts) }

    public func extract(_ run: ExtractRun) async -> [TableOutcome] {
        let source = self.source
        let previous: [String: ExtractTable]
        var cursors: [String: String]
        do {
            (previous, cursors) = try await BlockingExecutor.shared.run {
                guard FileManager.default.fileExists(atPath: source.database.path) else { return ([:], [:]) }
                let tables = Dictionary(uniqueKeysWithValues: try ExtractContract.read(source).tables.map { ($0.name, $0) })
                return (tables, try ExtractContract.cursors(source))
            }
        } catch {
            return run.tables.map { .failed($0.id, source: sourceName, "the BigQuery extract cannot be read: \(error)") }
        }
        if run.tables.isEmpty && previous.isEmpty { return [] }
        let registered = Dictionary(run.registered.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var published = previous.filter { registered[$0.key] != nil }
        cursors = cursors.filter { registered[$0.key] != nil }
        let extensionInstalled = BigQueryExtension.isInstalled(environment: environment)

        var outcomes: [TableOutcome] = []
        var remote: [(table: BigQueryTable, started: ContinuousClock.Instant)] = []
        for table in run.tables {
            let started = ContinuousClock.now
            do {
                let checked = try BigQueryTable(table, project: settings.project)
                if table.queryMode == .remote {
                    guard extensionInstalled else { throw ExtractError(BigQueryExtension.missing(environment: environment)) }
                    remote.append((checked, started))
                    continue
                }
                let stored = published[table.id]?.queryMode == .local ? BigQueryCursor(stored: cursors[table.id]) : nil
                let copied = try await copy(checked, stored: stored)
                published[table.id] = copied.entry
                cursors[table.id] = copied.cursor?.encoded
                outcomes.append(
                    TableOutcome(
                        table: table.id, source: sourceName, rows: copied.rowsRead, bytes: copied.bytesRead,
                        duration: started.duration(to: .now)))
            } catch {
                let message = await authenticator.scrub((error as? DuckDBError)?.message ?? "\(error)")
                logger.warning("a BigQuery table failed", metadata: ["table": "\(table.id)", "error": "\(message)"])
                outcomes.append(.failed(table.id, source: sourceName, message, duration: started.duration(to: .now)))
            }
        }

        // Remote tables of earlier runs stay listed (their views are created again) while they are registered remote.
        let running = Set(run.tables.map(\.id))
        var kept: [BigQueryExtractWriter.Remote] = []
        for (id, entry) in published where entry.queryMode == .remote && !running.contains(id) {
            if extensionInstalled, let table = registered[id], table.queryMode == .remote,
                let checked = try? BigQueryTable(table, project: settings.project)
            {
                kept.append(.init(table: checked, entry: entry))
            } else {
                published[id] = nil
            }
        }
        let now = Date()
        let remoteEntries =
            remote.map { item in
                BigQueryExtractWriter.Remote(
                    table: item.table,
                    entry: ExtractTable(
                        name: item.table.id, description: item.table.registered.description, rows: 0, sizeBytes: 0,
                        extractedAt: now, queryMode: .remote))
            } + kept
        let local = published.values.filter { $0.queryMode == .local }
        let localNames = Set(local.map(\.name))
        let finalCursors = cursors.filter { localNames.contains($0.key) }
        let writer = BigQueryExtractWriter(
            source: source, project: settings.project,
            extensionDirectory: DuckDBInstallation.extensionDirectory(environment: environment))
        let left: [String: String]
        do {
            left = try await BlockingExecutor.shared.run {
                let left = try writer.write(local: local, remote: remoteEntries, cursors: finalCursors)
                BigQueryConnector.removeFiles(in: source, except: localNames)
                return left
            }
        } catch {
            let message = "the BigQuery extract could not be written: \(error)"
            logger.error("could not write the BigQuery extract", metadata: ["error": "\(message)"])
            return run.tables.map { .failed($0.id, source: sourceName, message) }
        }
        for item in remote {
            if let reason = left[item.table.id] {
                logger.warning("a remote BigQuery table failed", metadata: ["table": "\(item.table.id)", "error": "\(reason)"])
                outcomes.append(.failed(item.table.id, source: sourceName, reason, duration: item.started.duration(to: .now)))
            } else {
                outcomes.append(TableOutcome(table: item.table.id, source: sourceName, duration: item.started.duration(to: .now)))
            }
        }
        return outcomes.sorted { $0.table < $1.table }
    }

    /// What one local table's run published.
    struct Copied: Sendable {
        var entry: ExtractTable
        var cursor: BigQueryCursor?
        var rowsRead: Int64
        var bytesRead: Int64
    }

    /// Queries one local table and publishes its parquet file; `stored` is the cursor published with its current file.
    private func copy(_ table: BigQueryTable, stored: BigQueryCursor?) async throws -> Copied {
        let registered = table.registered
        guard registered.syncStrategy != .partitioned else {
            throw ExtractError("sync_strategy partitioned is not available for BigQuery tables; use incremental")
        }
        let incremental = registered.syncStrategy == .incremental
        let target = source.parquetFile(for: table.id)
        var since: BigQueryCursor?
        if incremental, let stored, stored.origin == table.fingerprint,
            stored.column.lowercased() == registered.cursorColumn?.lowercased(),
            FileManager.default.fileExists(atPath: target.path)
        {
            since = stored
        }
        let sql = try table.select(after: since)

        let work = source.directory.appendingPathComponent(".work/\(table.id)-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let rows = try BigQueryRowsFile(path: work.appendingPathComponent("rows.ndjson").path)
        var schema: BigQuerySchema?
        let bytes = try await client.query(sql, subject: "the query for \(table.id)") { pageSchema, page in
            if schema == nil {
                guard !pageSchema.fields.isEmpty else { throw ExtractError("BigQuery answered the query for \(table.id) without columns") }
                schema = pageSchema
            }
            guard !page.isEmpty else { return }
            let fields = pageSchema.fields
            try await BlockingExecutor.shared.run { try rows.append(page, schema: fields) }
        }
        try rows.close()
        guard let fields = schema?.fields else { throw ExtractError("BigQuery answered the query for \(table.id) without a schema") }

        var cursorField: BigQueryField?
        if incremental {
            guard let name = registered.cursorColumn, !name.isEmpty else {
                throw ExtractError("sync_strategy incremental needs cursor_column (rows past its last value are read)")
            }
            guard let field = fields.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw ExtractError("cursor_column \(name) is not a column of \(table.displayOrigin)")
            }
            guard !field.isRepeated, BigQueryCursor.orderedTypes.contains(field.type.uppercased()) else {
                throw ExtractError(
                    "cursor_column \(name) is of type \(field.type)\(field.isRepeated ? " (repeated)" : ""); use an INT64, NUMERIC, "
                        + "FLOAT64, STRING, DATE, DATETIME, TIME or TIMESTAMP column")
            }
            cursorField = field
        }
        let key = registered.primaryKeyColumns
        if let absent = key.first(where: { name in !fields.contains { $0.name.lowercased() == name.lowercased() } }) {
            throw ExtractError("primary_key column \(absent) is not a column of \(table.displayOrigin)")
        }
        let keyNames = key.compactMap { name in fields.first { $0.name.lowercased() == name.lowercased() }?.name }
        let conversion = BigQueryConversion(
            rowsFile: rows.path, fields: fields, target: target, merge: since != nil ? keyNames : nil, cursorColumn: cursorField?.name)
        let result = try await BlockingExecutor.shared.run { try conversion.run() }
        var cursor: BigQueryCursor?
        if let cursorField {
            cursor =
                result.cursorValue.map {
                    BigQueryCursor(column: cursorField.name, origin: table.fingerprint, type: cursorField.type.uppercased(), value: $0)
                } ?? since
        }
        let entry = ExtractTable(
            name: table.id, description: registered.description, rows: result.rowsTotal, sizeBytes: result.fileSize,
            extractedAt: Date(), queryMode: .local)
        return Copied(entry: entry, cursor: cursor, rowsRead: rows.rows, bytesRead: bytes)
    }

    /// Deletes parquet files of tables the extract no longer lists as local.
    static func removeFiles(in source: ExtractSource, except kept: Set<String>) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: source.dataDirectory.path)) ?? []
        for name in names where name.hasSuffix(".parquet") && !kept.contains(String(name.dropLast(".parquet".count))) {
            try? FileManager.default.removeItem(at: source.dataDirectory.appendingPathComponent(name))
        }
    }
}
