import AnalystCore
import DuckDB
import Foundation
import Logging

/// The database sources (`source_type: postgres | mysql`): DuckDB's postgres and mysql extensions read each
/// registered table (`bucket` = schema, or database for MySQL; `source_table`), or a registered SQL text run at the
/// source (`source_query`), from the database whose connection string is in the environment variable
/// `connection_env`.
///
/// - `local`: copied to `extracts/<source>/data/<table>.parquet` (ZSTD); `full_refresh` replaces the file,
///   `incremental` reads the rows whose `cursor_column` is past the stored cursor and upserts them by `primary_key`
///   (appends without one). A file and its cursor are replaced together, only after a whole copy.
/// - `remote`: a view over the database attached by the orchestrator from a `_remote_attach` row that names the
///   variable, never its value.
///
/// The connection string is never stored, logged or put in an outcome: errors are redacted before they leave.
public struct DatabaseConnector: Connector {
    let kind: DatabaseKind
    let environment: [String: String]
    let directory: DataDirectory
    let extensionDirectory: String?
    let logger: Logger

    /// `environment` holds the connection strings; `extensionDirectory` is DuckDB's, where the setup script put the
    /// extensions (they are loaded from there, never downloaded).
    public init(
        _ kind: DatabaseKind, environment: [String: String], directory: DataDirectory, extensionDirectory: String?, logger: Logger
    ) {
        self.kind = kind
        self.environment = environment
        self.directory = directory
        self.extensionDirectory = extensionDirectory
        self.logger = logger
    }

    /// The connector as the server runs it: the process environment of `settings`, and the extension directory
    /// the setup script fills (`DUCKDB_HOME/extensions`).
    public init(_ kind: DatabaseKind, settings: ConnectorSettings, directory: DataDirectory, logger: Logger) {
        self.init(
            kind, environment: settings.environment, directory: directory,
            extensionDirectory: DuckDBInstallation.extensionDirectory(environment: settings.environment), logger: logger)
    }

    public var sourceName: String { kind.rawValue }
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
            return run.tables.map { .failed($0.id, source: sourceName, "the \(kind.displayName) extract cannot be read: \(error)") }
        }
        if run.tables.isEmpty && previous.isEmpty { return [] }
        // Every connection string a message of this run could quote, longest first (one may contain another).
        let secrets = Set(run.registered.compactMap { $0.connectionEnvironmentVariable.flatMap { environment[$0] } })
            .filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        let registered = Dictionary(run.registered.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var published = previous.filter { registered[$0.key] != nil }
        cursors = cursors.filter { registered[$0.key] != nil }

        var outcomes: [TableOutcome] = []
        var remote: [(table: DatabaseTable, started: ContinuousClock.Instant)] = []
        for table in run.tables {
            let started = ContinuousClock.now
            do {
                let checked = try DatabaseTable(table, kind: kind)
                if table.queryMode == .remote {
                    remote.append((checked, started))
                    continue
                }
                let stored = published[table.id]?.queryMode == .local ? DatabaseCursor(stored: cursors[table.id]) : nil
                let (copied, entry) = try await copy(checked, stored: stored)
                published[table.id] = entry
                cursors[table.id] = copied.cursor?.encoded
                outcomes.append(
                    TableOutcome(
                        table: table.id, source: sourceName, rows: copied.rowsRead, bytes: copied.bytesRead,
                        duration: started.duration(to: .now)))
            } catch {
                let message = DatabaseConnector.redact(
                    (error as? DuckDBError)?.message ?? "\(error)", secrets: secrets)
                logger.warning(
                    "a database table failed", metadata: ["source": "\(sourceName)", "table": "\(table.id)", "error": "\(message)"])
                outcomes.append(.failed(table.id, source: sourceName, message, duration: started.duration(to: .now)))
            }
        }

        // Remote tables of earlier runs stay listed: their views are created again from their registration.
        let running = Set(run.tables.map(\.id))
        var kept: [DatabaseTable] = []
        for (id, entry) in published where entry.queryMode == .remote && !running.contains(id) {
            if let table = registered[id], table.queryMode == .remote, let checked = try? DatabaseTable(table, kind: kind) {
                kept.append(checked)
            } else {
                published[id] = nil
            }
        }
        let now = Date()
        let remoteEntries =
            remote.map { item in
                DatabaseExtractWriter.Remote(
                    table: item.table,
                    entry: ExtractTable(
                        name: item.table.id, description: item.table.registered.description, rows: 0, sizeBytes: 0,
                        extractedAt: now, queryMode: .remote))
            }
            + kept.compactMap { table in published[table.id].map { DatabaseExtractWriter.Remote(table: table, entry: $0) } }
        let local = published.values.filter { $0.queryMode == .local }
        let localNames = Set(local.map(\.name))
        let finalCursors = cursors.filter { localNames.contains($0.key) }
        let writer = DatabaseExtractWriter(source: source, kind: kind, extensionDirectory: extensionDirectory, environment: environment)
        let left: [String: String]
        do {
            left = try await BlockingExecutor.shared.run {
                let left = try writer.write(local: local, remote: remoteEntries, cursors: finalCursors)
                DatabaseConnector.removeFiles(in: source, except: localNames)
                return left
            }
        } catch {
            let message = "the \(kind.displayName) extract could not be written: \(DatabaseConnector.redact("\(error)", secrets: secrets))"
            logger.error("could not write a database extract", metadata: ["source": "\(sourceName)", "error": "\(message)"])
            return run.tables.map { .failed($0.id, source: sourceName, message) }
        }
        for item in remote {
            if let reason = left[item.table.id].map({ DatabaseConnector.redact($0, secrets: secrets) }) {
                logger.warning(
                    "a remote database table failed",
                    metadata: ["source": "\(sourceName)", "table": "\(item.table.id)", "error": "\(reason)"])
                outcomes.append(.failed(item.table.id, source: sourceName, reason, duration: item.started.duration(to: .now)))
            } else {
                outcomes.append(TableOutcome(table: item.table.id, source: sourceName, duration: item.started.duration(to: .now)))
            }
        }
        for table in kept {
            if let reason = left[table.id].map({ DatabaseConnector.redact($0, secrets: secrets) }) {
                logger.warning(
                    "a remote database table left the extract",
                    metadata: ["source": "\(sourceName)", "table": "\(table.id)", "error": "\(reason)"])
            }
        }
        return outcomes.sorted { $0.table < $1.table }
    }

    /// Copies one local table; `stored` is the cursor published with its current file.
    private func copy(_ table: DatabaseTable, stored: DatabaseCursor?) async throws -> (DatabaseTableCopy.Copied, ExtractTable) {
        guard table.registered.syncStrategy != .partitioned else {
            throw ExtractError("sync_strategy partitioned is not available for \(kind.displayName) tables; use incremental")
        }
        guard let connectionString = environment[table.environmentVariable], !connectionString.isEmpty else {
            throw ExtractError(kind.missingVariable(table.environmentVariable))
        }
        var since: DatabaseCursor?
        if table.registered.syncStrategy == .incremental, let stored, stored.origin == table.fingerprint,
            stored.column.lowercased() == table.registered.cursorColumn?.lowercased()
        {
            since = stored
        }
        let copy = DatabaseTableCopy(
            table: table, connectionString: connectionString, extensionDirectory: extensionDirectory,
            target: source.parquetFile(for: table.id), since: since)
        let copied = try await BlockingExecutor.shared.run { try copy.run() }
        let entry = ExtractTable(
            name: table.id, description: table.registered.description, rows: copied.rowsTotal, sizeBytes: copied.fileSize,
            extractedAt: Date(), queryMode: .local)
        return (copied, entry)
    }

    /// `text` without any of `secrets` (the connection strings this run can read) or their passwords.
    static func redact(_ text: String, secrets: [String]) -> String {
        secrets.reduce(text) { ExtractAttacher.redact($0, connectionString: $1) }
    }

    /// Deletes parquet files of tables the extract no longer lists as local.
    static func removeFiles(in source: ExtractSource, except kept: Set<String>) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: source.dataDirectory.path)) ?? []
        for name in names where name.hasSuffix(".parquet") && !kept.contains(String(name.dropLast(".parquet".count))) {
            try? FileManager.default.removeItem(at: source.dataDirectory.appendingPathComponent(name))
        }
    }
}
