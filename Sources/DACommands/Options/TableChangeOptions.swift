import AnalystAPI
import ArgumentParser

/// The registry fields `tables register` and `tables update` share; they make the contract's `TableChanges`.
struct TableChangeOptions: ParsableArguments {
    @Option(help: "Where the data comes from: files (uploaded with `tables upload`) or a connector's name.")
    var sourceType: String?

    @Option(help: "The source's bucket or dataset.")
    var bucket: String?

    @Option(help: "The table's name in the source.")
    var sourceTable: String?

    @Option(help: "local (synced to analysts as parquet) or remote (queried on the server).")
    var queryMode: String?

    @Option(help: "full_refresh, incremental or partitioned.")
    var syncStrategy: String?

    @Option(help: "When to sync, in UTC: 'every 15m', 'every 2h', 'daily 05:00,13:00'; '' for none.")
    var syncSchedule: String?

    @Option(help: "What the table holds.")
    var description: String?

    @Option(help: "Primary key columns, comma-separated (incremental and partitioned runs upsert by it).")
    var primaryKey: String?

    @Option(help: "Only these columns, comma-separated; '' for all.")
    var exportColumns: String?

    @Option(help: "The date column a partitioned table is split by.")
    var partitionBy: String?

    @Option(help: "month (default) or day: one file per partition.")
    var partitionGranularity: String?

    @Option(help: "The column an incremental database or BigQuery table is read past.")
    var cursorColumn: String?

    @Option(help: "The environment variable (on the server) holding a database connection string.")
    var connectionEnv: String?

    @Option(help: "A SQL text run at the source instead of reading a table.")
    var sourceQuery: String?

    func validate() throws {
        if let queryMode, Schemas.QueryMode(rawValue: queryMode) == nil {
            throw ValidationError("--query-mode must be local or remote, not \"\(queryMode)\"")
        }
        let strategies = Schemas.SyncStrategy.allCases.map(\.rawValue)
        if let syncStrategy, Schemas.SyncStrategy(rawValue: syncStrategy) == nil {
            throw ValidationError("--sync-strategy must be one of \(strategies.joined(separator: ", ")), not \"\(syncStrategy)\"")
        }
        if let partitionGranularity, Schemas.PartitionGranularity(rawValue: partitionGranularity) == nil {
            throw ValidationError("--partition-granularity must be month or day, not \"\(partitionGranularity)\"")
        }
    }

    /// Whether none of these options was given.
    var isEmpty: Bool {
        [
            sourceType, bucket, sourceTable, queryMode, syncStrategy, syncSchedule, description, primaryKey, exportColumns,
            partitionBy, partitionGranularity, cursorColumn, connectionEnv, sourceQuery,
        ].allSatisfy { $0 == nil }
    }

    /// The changes these options give: the fields given are set, the others left as they are.
    var changes: Schemas.TableChanges {
        Schemas.TableChanges(
            sourceType: sourceType, bucket: bucket, sourceTable: sourceTable,
            syncStrategy: syncStrategy.flatMap(Schemas.SyncStrategy.init(rawValue:)),
            queryMode: queryMode.flatMap(Schemas.QueryMode.init(rawValue:)), syncSchedule: syncSchedule,
            primaryKey: primaryKey, description: description, exportColumns: exportColumns, partitionBy: partitionBy,
            partitionGranularity: partitionGranularity.flatMap(Schemas.PartitionGranularity.init(rawValue:)),
            cursorColumn: cursorColumn, connectionEnv: connectionEnv, sourceQuery: sourceQuery)
    }
}
