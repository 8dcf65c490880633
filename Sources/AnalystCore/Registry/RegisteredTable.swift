import AnalystAPI
import Foundation

/// How a table's extract refreshes its rows (the contract's enum: `full_refresh`, `incremental`, `partitioned`).
public typealias SyncStrategy = Schemas.SyncStrategy

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
        (primaryKey ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Why a registry change was refused; the message says which field and what is accepted.
public enum RegistryError: Error, Equatable, CustomStringConvertible {
    case invalidID(String)
    case emptyName
    case invalidValue(field: String, value: String, accepted: String)
    case alreadyRegistered(String)
    case notFound

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
        }
    }
}
