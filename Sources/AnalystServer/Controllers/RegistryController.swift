import AnalystCore
import Foundation
import Hummingbird

/// `/api/admin` table registry (admin, reference §1.13): list, register, change and remove published tables.
struct RegistryController {
    let registry: TableRegistry

    /// A registry row in the reference's field names.
    struct TableResponse: ResponseEncodable {
        var id: String
        var name: String
        var source_type: String?
        var bucket: String?
        var source_table: String?
        var sync_strategy: String
        var query_mode: String
        var sync_schedule: String?
        var profile_after_sync: Bool
        var primary_key: String?
        var folder: String?
        var description: String?
        var registered_by: String?
        var is_public: Bool
        var registered_at: String

        init(_ table: RegisteredTable) {
            id = table.id
            name = table.name
            source_type = table.sourceType
            bucket = table.bucket
            source_table = table.sourceTable
            sync_strategy = table.syncStrategy.rawValue
            query_mode = table.queryMode.rawValue
            sync_schedule = table.syncSchedule?.description
            profile_after_sync = table.profileAfterSync
            primary_key = table.primaryKey
            folder = table.folder
            description = table.description
            registered_by = table.registeredBy
            is_public = table.isPublic
            registered_at = table.registeredAt.apiTimestamp
        }

        func encode(to encoder: any Encoder) throws {
            // Explicit nulls, as the reference's rows have them.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(source_type, forKey: .source_type)
            try container.encode(bucket, forKey: .bucket)
            try container.encode(source_table, forKey: .source_table)
            try container.encode(sync_strategy, forKey: .sync_strategy)
            try container.encode(query_mode, forKey: .query_mode)
            try container.encode(sync_schedule, forKey: .sync_schedule)
            try container.encode(profile_after_sync, forKey: .profile_after_sync)
            try container.encode(primary_key, forKey: .primary_key)
            try container.encode(folder, forKey: .folder)
            try container.encode(description, forKey: .description)
            try container.encode(registered_by, forKey: .registered_by)
            try container.encode(is_public, forKey: .is_public)
            try container.encode(registered_at, forKey: .registered_at)
        }

        enum CodingKeys: String, CodingKey {
            case id, name, source_type, bucket, source_table, sync_strategy, query_mode, sync_schedule, profile_after_sync
            case primary_key, folder, description, registered_by, is_public, registered_at
        }
    }

    struct ListResponse: ResponseEncodable {
        var tables: [TableResponse]
        var count: Int
    }

    struct RegisteredResponse: ResponseEncodable {
        var id: String
        var name: String
        var status = "registered"
    }

    struct UpdatedResponse: ResponseEncodable {
        var id: String
        var updated: [String]
    }

    /// The request body of register and update; every field optional here (register requires `name`).
    struct ChangesRequest: Decodable {
        var name: String?
        var source_type: String?
        var bucket: String?
        var source_table: String?
        var sync_strategy: String?
        var query_mode: String?
        var sync_schedule: String?
        var profile_after_sync: Bool?
        var primary_key: String?
        var folder: String?
        var description: String?
        var is_public: Bool?

        var changes: RegistryChanges {
            RegistryChanges(
                name: name, sourceType: source_type, bucket: bucket, sourceTable: source_table, syncStrategy: sync_strategy,
                queryMode: query_mode, syncSchedule: sync_schedule, profileAfterSync: profile_after_sync,
                primaryKey: primary_key, folder: folder, description: description, isPublic: is_public)
        }
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("registry") { _, _ -> ListResponse in
            let tables = try await registry.list().map(TableResponse.init)
            return ListResponse(tables: tables, count: tables.count)
        }
        group.post("register-table") { request, context -> EditedResponse<RegisteredResponse> in
            let body = try await request.decodeJSON(ChangesRequest.self)
            guard body.name != nil else { throw APIError(.unprocessableContent, "field \"name\" is required") }
            let table = try await registry.register(body.changes, by: try context.requireUser().email)
            return EditedResponse(status: .created, response: RegisteredResponse(id: table.id, name: table.name))
        }
        group.put("registry/:id") { request, context -> UpdatedResponse in
            let id = try context.parameters.require("id")
            let changes = try await request.decodeOptionalJSON(ChangesRequest.self)?.changes ?? RegistryChanges()
            try await registry.update(id: id, changes)
            return UpdatedResponse(id: id, updated: changes.fieldNames)
        }
        group.delete("registry/:id") { _, context -> HTTPResponse.Status in
            try await registry.delete(id: try context.parameters.require("id"))
            return .noContent
        }
    }
}
