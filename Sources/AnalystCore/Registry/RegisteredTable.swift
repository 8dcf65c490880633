import AnalystAPI
import Foundation

/// How a table's extract refreshes its rows (the contract's enum: `full_refresh`, `incremental`, `partitioned`).
public typealias SyncStrategy = Schemas.SyncStrategy

/// How a `partitioned` table is split into files: per `month` or per `day` of its `partition_by` column.
public typealias PartitionGranularity = Schemas.PartitionGranularity

/// A row filter the source applies when it exports (`column` is / is not one of `values`).
public typealias WhereFilter = Schemas.WhereFilter

/// A row of `table_registry`: a table the server publishes, where it comes from and who may see it.
public struct RegisteredTable: Sendable, Equatable {
    public var id: String
    public var name: String
    public var sourceType: String?
    public var bucket: String?
    public var sourceTable: String?
    public var syncStrategy: SyncStrategy
    public var queryMode: QueryMode
    public var syncSchedule: SyncSchedule?
    public var profileAfterSync: Bool
    public var primaryKey: String?
    public var folder: String?
    public var description: String?
    public var registeredBy: String?
    public var isPublic: Bool
    public var registeredAt: Date
    /// The columns to extract (`export_columns`, comma-separated); empty for all.
    public var exportColumns: [String] = []
    /// Row filters the source applies when it exports.
    public var whereFilters: [WhereFilter] = []
    /// The date column a `partitioned` table is split by.
    public var partitionBy: String?
    public var partitionGranularity: PartitionGranularity = .month
    /// The column an `incremental` database or BigQuery table is read past.
    public var cursorColumn: String?
    /// The environment variable holding a database connection string (never the string itself).
    public var connectionEnvironmentVariable: String?
    /// A SQL text run at the source instead of reading `bucket.source_table`.
    public var sourceQuery: String?

    public init(
        id: String, name: String, sourceType: String? = nil, bucket: String? = nil, sourceTable: String? = nil,
        syncStrategy: SyncStrategy = .fullRefresh, queryMode: QueryMode = .local, syncSchedule: SyncSchedule? = nil,
        profileAfterSync: Bool = true, primaryKey: String? = nil, folder: String? = nil, description: String? = nil,
        registeredBy: String? = nil, isPublic: Bool = true, registeredAt: Date = Date()
    ) {
        self.id = id
        self.name = name
        self.sourceType = sourceType
        self.bucket = bucket
        self.sourceTable = sourceTable
        self.syncStrategy = syncStrategy
        self.queryMode = queryMode
        self.syncSchedule = syncSchedule
        self.profileAfterSync = profileAfterSync
        self.primaryKey = primaryKey
        self.folder = folder
        self.description = description
        self.registeredBy = registeredBy
        self.isPublic = isPublic
        self.registeredAt = registeredAt
    }

    /// The primary key's column names (`primary_key` is stored comma-separated).
    public var primaryKeyColumns: [String] {
        RegisteredTable.names(in: primaryKey)
    }

    /// The table at its source: `source_table`, else the registered name.
    public var sourceTableName: String { sourceTable ?? name }

    /// Column names from a comma-separated list, trimmed, empty ones dropped.
    static func names(in list: String?) -> [String] {
        (list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Why this combination of settings cannot sync, or `nil` when it can: every strategy's required fields, checked
    /// when an admin registers or changes a table rather than at the next run.
    public var inconsistency: String? {
        switch syncStrategy {
        case .fullRefresh:
            break
        case .incremental:
            if sourceType == "keboola" && primaryKeyColumns.isEmpty {
                return "sync_strategy incremental for a keboola table needs primary_key (changed rows are upserted by it)"
            }
            if ["postgres", "mysql", "bigquery"].contains(sourceType ?? "") && cursorColumn == nil {
                return "sync_strategy incremental for a \(sourceType ?? "") table needs cursor_column (rows past its last value are read)"
            }
            if primaryKeyColumns.isEmpty && cursorColumn == nil {
                return "sync_strategy incremental needs primary_key (rows are upserted by it) or cursor_column"
            }
        case .partitioned:
            if partitionBy == nil { return "sync_strategy partitioned needs partition_by (a date column)" }
            if primaryKeyColumns.isEmpty { return "sync_strategy partitioned needs primary_key (changed rows are upserted by it)" }
        }
        if sourceType == "keboola" && queryMode == .remote {
            return "query_mode remote for keboola needs DuckDB's keboola extension, which this server does not have; use local"
        }
        if syncStrategy == .partitioned && ["postgres", "mysql", "bigquery"].contains(sourceType ?? "") {
            return "sync_strategy partitioned is not available for \(sourceType ?? "") tables yet; use incremental"
        }
        if queryMode == .remote && syncStrategy != .fullRefresh {
            return "query_mode remote reads the source live; use sync_strategy full_refresh"
        }
        return nil
    }
}

/// Why a registry change was refused; the message says which field and what is accepted.
public enum RegistryError: Error, Equatable, CustomStringConvertible {
    case invalidID(String)
    case emptyName
    case invalidValue(field: String, value: String, accepted: String)
    case alreadyRegistered(String)
    case notFound
    /// The settings contradict each other (a strategy without the fields it needs).
    case inconsistent(String)

    public var description: String {
        switch self {
        case .invalidID(let id):
            return "table id \"\(id)\" is not valid: use \(Identifier.rule)"
        case .emptyName:
            return "Table name cannot be empty"
        case .invalidValue(let field, let value, let accepted):
            return "\(field) \"\(value)\" is not valid; use \(accepted)"
        case .alreadyRegistered(let id):
            return "Table '\(id)' already registered"
        case .notFound:
            return "Table not found"
        case .inconsistent(let reason):
            return reason
        }
    }
}
