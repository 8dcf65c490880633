import AnalystAPI
import AnalystCore
import Foundation

extension SampleData {
    /// Primary keys of the sample tables (the first column of each).
    static let primaryKeys = [
        "customers": "customer_id", "products": "product_id", "campaigns": "campaign_id", "web_sessions": "session_id",
        "web_leads": "lead_id", "orders": "order_id", "order_items": "order_item_id", "payments": "payment_id",
        "support_tickets": "ticket_id",
    ]

    /// Registers the sample tables (public, `source_type: sample`, bucket `sample`) that are not registered yet;
    /// returns the ids it added. Tables an admin registered already are left as they are.
    public static func register(in registry: TableRegistry, by admin: String? = nil) async throws -> [String] {
        let existing = Set(try await registry.list().map(\.id))
        var added: [String] = []
        for table in primaryKeys.keys.sorted() where !existing.contains(table) {
            _ = try await registry.register(
                Schemas.TableChanges(
                    name: table, sourceType: sourceName, bucket: sourceName, primaryKey: primaryKeys[table],
                    description: "Sample e-commerce data: \(table.replacingOccurrences(of: "_", with: " "))", isPublic: true),
                by: admin)
            added.append(table)
        }
        return added
    }
}
