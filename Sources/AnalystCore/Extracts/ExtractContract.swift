import AnalystAPI
import DuckDB
import Foundation

/// Where a table's rows live: copied to parquet on the server (`local`) or queried at the source (`remote`); the
/// contract's enum.
public typealias QueryMode = Schemas.QueryMode

/// One row of an extract's `_meta` table: a table the source publishes.
public struct ExtractTable: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var rows: Int64
    public var sizeBytes: Int64
    public var extractedAt: Date
    public var queryMode: QueryMode

    public init(
        name: String, description: String? = nil, rows: Int64, sizeBytes: Int64, extractedAt: Date = Date(),
        queryMode: QueryMode = .local
    ) {
        self.name = name
        self.description = description
        self.rows = rows
        self.sizeBytes = sizeBytes
        self.extractedAt = extractedAt
        self.queryMode = queryMode
    }
}

/// One row of `_remote_attach`: an external database the source's remote views read through a DuckDB extension.
/// Credentials are never stored; `tokenEnvironmentVariable` names the variable that holds the token.
public struct RemoteAttachment: Sendable, Equatable {
    public var alias: String
    public var extensionName: String
    public var url: String
    public var tokenEnvironmentVariable: String?

    public init(alias: String, extensionName: String, url: String, tokenEnvironmentVariable: String?) {
        self.alias = alias
        self.extensionName = extensionName
        self.url = url
        self.tokenEnvironmentVariable = tokenEnvironmentVariable
    }
}

/// A source's folder, `DATA_DIR/extracts/<name>/`: `extract.duckdb` plus, per local table, `data/<table>.parquet` or,
/// for a partitioned table, a folder `data/<table>/` of `<partition>.parquet` files (one per month or day).
public struct ExtractSource: Sendable, Equatable {
    public let name: String
    public let directory: URL

    public init(name: String, in extracts: URL) {
        self.name = name
        self.directory = extracts.appendingPathComponent(name, isDirectory: true)
    }

    public var database: URL { directory.appendingPathComponent("extract.duckdb") }
    public var dataDirectory: URL { directory.appendingPathComponent(ExtractSource.dataFolder, isDirectory: true) }
    /// The parquet folder's name inside a source's folder.
    public static let dataFolder = "data"

    /// `data/<table>.parquet`, where local connectors put a table's rows.
    public func parquetFile(for table: String) -> URL {
        dataDirectory.appendingPathComponent(table + ".parquet")
    }

    /// `data/<table>/`, the folder of a partitioned table's `<partition>.parquet` files (a link a connector swaps
    /// atomically to a new version of the folder).
    public func partitionDirectory(for table: String) -> URL {
        dataDirectory.appendingPathComponent(table, isDirectory: true)
    }

    /// How a local table's rows are stored now: its partition files when its folder has any, else its single file.
    public func localData(for table: String) -> LocalTableData {
        let folder = partitionDirectory(for: table)
        let partitions = ExtractSource.partitionNames(in: folder)
        return partitions.isEmpty ? .file(parquetFile(for: table)) : .partitions(folder, partitions)
    }

    /// The partitions whose `<name>.parquet` files are in `folder`, sorted.
    public static func partitionNames(in folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".parquet") }.map { String($0.dropLast(".parquet".count)) }
            .filter(PartitionName.isValid).sorted()
    }

    /// Opens `extract.duckdb` read-only with `file_search_path` set to this folder, so its views (which name their
    /// parquet files relative to it) resolve wherever the folder is.
    public func connectReadOnly() throws -> Connection {
        let connection = try Database(path: database.path, configuration: .init(accessMode: .readOnly)).connect()
        try connection.execute("SET file_search_path = \(Identifier.literal(directory.path))")
        return connection
    }
}

/// Where a local table's rows are: one parquet file, or a folder of partition files.
public enum LocalTableData: Sendable, Equatable {
    case file(URL)
    /// The folder and its partitions' names, sorted (file `<name>.parquet` each).
    case partitions(URL, [String])

    /// `read_parquet(…)` over every row by absolute path: the file, or the partition files by a glob (older
    /// partitions may lack columns added since; they read as NULL there).
    public var relation: String {
        switch self {
        case .file(let url): "read_parquet(\(Identifier.literal(url.path)))"
        case .partitions(let folder, _): "read_parquet(\(Identifier.literal(folder.path + "/*.parquet")), union_by_name = true)"
        }
    }
}

/// A partition's name: what its file is called (`2026-03`, `2026-03-14`, `none` for rows without a date).
public enum PartitionName {
    /// Letters, digits, `-` and `_`, at most 32 characters; nothing a path could misread.
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
    }
}

/// Reading or writing an extract failed; the message names the file and the problem.
public struct ExtractError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The extract contract (seed 001): every connector leaves `extract.duckdb` with a `_meta` table, one view per
/// table, and optionally `_remote_attach`. The orchestrator reads only this.
public enum ExtractContract {
    static let metaDDL = """
        CREATE TABLE _meta (table_name VARCHAR NOT NULL, description VARCHAR, rows BIGINT, size_bytes BIGINT,
            extracted_at TIMESTAMP, query_mode VARCHAR DEFAULT 'local')
        """
    static let remoteAttachDDL = "CREATE TABLE _remote_attach (alias VARCHAR, extension VARCHAR, url VARCHAR, token_env VARCHAR)"

    /// Writes `source`'s `extract.duckdb`: `_meta` with `tables`, `_remote_attach` with `attachments` (when there
    /// are any) and a view per table. A local table's view reads `data/<table>.parquet` relative to the source's folder (a
    /// reader sets `file_search_path` to that folder; the server's own views read the files directly), so the
    /// folder works wherever it is moved; a remote
    /// table's view is `remoteViews[name]` (a SELECT over an attached alias). The file is built as
    /// `extract.duckdb.tmp` and renamed over the old one, so a reader sees the old or the new extract, never half.
    ///
    /// `cursors` is the connector's own memory of where each table's incremental run stopped (table `_cursors`,
    /// which the orchestrator ignores); it is published with the data, so a failed run never moves it.
    public static func write(
        _ source: ExtractSource, tables: [ExtractTable], attachments: [RemoteAttachment] = [],
        remoteViews: [String: String] = [:], cursors: [String: String] = [:]
    ) throws {
        for table in tables where !Identifier.isValid(table.name) {
            throw ExtractError("table name \"\(table.name)\" is not an identifier (\(Identifier.rule))")
        }
        try FileManager.default.createDirectory(at: source.dataDirectory, withIntermediateDirectories: true)
        let temporary = source.directory.appendingPathComponent("extract.duckdb.tmp")
        try? FileManager.default.removeItem(at: temporary)
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: temporary.path + ".wal"))
        do {
            let database = try Database(path: temporary.path)
            let connection = try database.connect()
            // A view is bound when it is created: its relative parquet paths must resolve in the source's folder.
            try connection.execute("SET file_search_path = \(Identifier.literal(source.directory.path))")
            try connection.execute(metaDDL)
            for table in tables {
                try connection.run(
                    "INSERT INTO _meta VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        .varchar(table.name), table.description.map(Value.varchar) ?? .null, .bigint(table.rows),
                        .bigint(table.sizeBytes), .timestamp(TimestampValue(table.extractedAt)),
                        .varchar(table.queryMode.rawValue),
                    ])
                let body: String
                switch table.queryMode {
                case .local:
                    // Relative to the source's folder (see above); a partitioned table reads its folder by a glob.
                    switch source.localData(for: table.name) {
                    case .file:
                        let relative = ExtractSource.dataFolder + "/" + table.name + ".parquet"
                        body = "SELECT * FROM read_parquet(\(Identifier.literal(relative)))"
                    case .partitions:
                        // Older partitions may lack columns added since; they read as NULL there.
                        let relative = ExtractSource.dataFolder + "/" + table.name + "/*.parquet"
                        body = "SELECT * FROM read_parquet(\(Identifier.literal(relative)), union_by_name = true)"
                    }
                case .remote:
                    guard let select = remoteViews[table.name] else {
                        throw ExtractError("remote table \"\(table.name)\" needs a view definition")
                    }
                    body = select
                }
                try connection.execute("CREATE VIEW \(Identifier.quoted(table.name)) AS \(body)")
            }
            if !attachments.isEmpty {
                try connection.execute(remoteAttachDDL)
                for attachment in attachments {
                    try connection.run(
                        "INSERT INTO _remote_attach VALUES (?, ?, ?, ?)",
                        [
                            .varchar(attachment.alias), .varchar(attachment.extensionName), .varchar(attachment.url),
                            attachment.tokenEnvironmentVariable.map(Value.varchar) ?? .null,
                        ])
                }
            }
            if !cursors.isEmpty {
                try connection.execute("CREATE TABLE _cursors (table_name VARCHAR PRIMARY KEY, cursor VARCHAR NOT NULL)")
                for (table, cursor) in cursors.sorted(by: { $0.key < $1.key }) {
                    try connection.run("INSERT INTO _cursors VALUES (?, ?)", [.varchar(table), .varchar(cursor)])
                }
            }
            try connection.execute("CHECKPOINT")
        } catch let error as DuckDBError {
            try? FileManager.default.removeItem(at: temporary)
            throw ExtractError("could not write \(source.database.path): \(error.message)")
        }
        guard rename(temporary.path, source.database.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ExtractError("could not move \(temporary.path) into place: \(reason)")
        }
    }

    /// The tables and attachments `source` publishes, read from its `extract.duckdb` (opened read-only).
    public static func read(_ source: ExtractSource) throws -> (tables: [ExtractTable], attachments: [RemoteAttachment]) {
        do {
            let database = try Database(path: source.database.path, configuration: .init(accessMode: .readOnly))
            let connection = try database.connect()
            return try read(from: connection, catalog: nil)
        } catch let error as DuckDBError {
            throw ExtractError("could not read \(source.database.path): \(error.message)")
        }
    }

    /// The incremental cursors `source`'s connector stored with its last extract; empty when there is no extract.
    public static func cursors(_ source: ExtractSource) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: source.database.path) else { return [:] }
        do {
            let database = try Database(path: source.database.path, configuration: .init(accessMode: .readOnly))
            let connection = try database.connect()
            let exists = try connection.query("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_cursors'").scalar()
            guard (exists?.int64Value ?? 0) > 0 else { return [:] }
            var cursors: [String: String] = [:]
            for row in try connection.query("SELECT table_name, cursor FROM _cursors").rows() {
                if let table = row[0].stringValue, let cursor = row[1].stringValue { cursors[table] = cursor }
            }
            return cursors
        } catch let error as DuckDBError {
            throw ExtractError("could not read \(source.database.path): \(error.message)")
        }
    }

    /// Reads `_meta` and `_remote_attach` through `connection`, from the database attached as `catalog` (or the
    /// connection's own database when `nil`).
    public static func read(from connection: Connection, catalog: String?) throws -> (
        tables: [ExtractTable], attachments: [RemoteAttachment]
    ) {
        let prefix = catalog.map { Identifier.quoted($0) + "." } ?? ""
        var tables: [ExtractTable] = []
        let meta = try connection.query(
            "SELECT table_name, description, rows, size_bytes, extracted_at, query_mode FROM \(prefix)_meta ORDER BY table_name")
        for row in try meta.rows() {
            guard case .varchar(let name) = row[0] else { continue }
            let mode = row[5].stringValue.flatMap(QueryMode.init(rawValue:)) ?? .local
            tables.append(
                ExtractTable(
                    name: name, description: row[1].stringValue, rows: row[2].int64Value ?? 0,
                    sizeBytes: row[3].int64Value ?? 0, extractedAt: row[4].dateValue ?? Date(timeIntervalSince1970: 0),
                    queryMode: mode))
        }
        var attachments: [RemoteAttachment] = []
        let hasAttach = try connection.query(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_remote_attach' AND database_name = \(catalog.map(Identifier.literal) ?? "current_database()")"
        ).scalar()
        if let count = hasAttach?.int64Value, count > 0 {
            for row in try connection.query("SELECT alias, extension, url, token_env FROM \(prefix)_remote_attach").rows() {
                guard let alias = row[0].stringValue, let name = row[1].stringValue, let url = row[2].stringValue else { continue }
                attachments.append(
                    RemoteAttachment(
                        alias: alias, extensionName: name, url: url,
                        tokenEnvironmentVariable: row[3].stringValue.flatMap { $0.isEmpty ? nil : $0 }))
            }
        }
        return (tables, attachments)
    }
}
