import AnalystAPI
import AnalystCore
import Connectors
import Foundation
import Hummingbird

/// `/api/admin` table registry (admin, reference §1.13): list, register, change and remove published tables.
struct RegistryController {
    let registry: TableRegistry
    /// What the connectors of this installation say about a table before it is saved (see `SourceConnectors.refusal`).
    let connectors: ConnectorSettings

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("registry") { _, _ -> WireResponse<Schemas.RegistryList> in
            let tables = try await registry.list().map(Schemas.RegisteredTable.init)
            return WireResponse(.init(tables: tables, count: tables.count))
        }
        group.post("register-table") { request, context -> WireResponse<Schemas.TableRegistered> in
            let body = try await request.decodeJSON(Schemas.TableChanges.self)
            guard body.name != nil else { throw APIError(.unprocessableContent, "field \"name\" is required") }
            let table = try await registry.register(
                body, by: try context.requireUser().email, refusal: { SourceConnectors.refusal(for: $0, settings: connectors) })
            return WireResponse(.init(id: table.id, name: table.name, status: .registered), status: .created)
        }
        group.put("registry/:id") { request, context -> WireResponse<Schemas.TableUpdated> in
            let id = try context.parameters.require("id")
            let changes = try await request.decodeOptionalJSON(Schemas.TableChanges.self) ?? Schemas.TableChanges()
            try await registry.update(id: id, changes, refusal: { SourceConnectors.refusal(for: $0, settings: connectors) })
            return WireResponse(.init(id: id, updated: changes.fieldNames.compactMap { .init(rawValue: $0) }))
        }
        group.delete("registry/:id") { _, context -> HTTPResponse.Status in
            try await registry.delete(id: try context.parameters.require("id"))
            return .noContent
        }
    }
}
