import AnalystCore

/// How much sample data to generate. The presets follow the reference generator: `xs` for tests and quick
/// looks, `s` (the default) for demos, `m` and `l` for trying the server under load.
public enum SampleDataSize: String, CaseIterable, Sendable {
    case xs, s, m, l

    /// Rows of the tables whose size is set directly; `order_items` and `payments` follow from `orders`
    /// (about 2.7 items and 1.05 payments per order).
    public struct RowCounts: Sendable, Equatable {
        public var customers: Int
        public var products: Int
        public var campaigns: Int
        public var webSessions: Int
        public var webLeads: Int
        public var orders: Int
        public var supportTickets: Int

        /// The counts by table name, for the tables that have a preset count.
        public var byTable: [String: Int] {
            [
                "customers": customers, "products": products, "campaigns": campaigns, "web_sessions": webSessions,
                "web_leads": webLeads, "orders": orders, "support_tickets": supportTickets,
            ]
        }
    }

    /// Rows per table for this size.
    public var rowCounts: RowCounts {
        switch self {
        case .xs:
            RowCounts(customers: 50, products: 30, campaigns: 10, webSessions: 500, webLeads: 50, orders: 100, supportTickets: 30)
        case .s:
            RowCounts(
                customers: 500, products: 100, campaigns: 30, webSessions: 10_000, webLeads: 1_000, orders: 2_000,
                supportTickets: 500)
        case .m:
            RowCounts(
                customers: 5_000, products: 300, campaigns: 80, webSessions: 100_000, webLeads: 10_000, orders: 20_000,
                supportTickets: 5_000)
        case .l:
            RowCounts(
                customers: 50_000, products: 1_000, campaigns: 200, webSessions: 1_000_000, webLeads: 100_000,
                orders: 200_000, supportTickets: 50_000)
        }
    }

    /// Length of the time window in months of 30 days, ending on `SampleData.endDate`.
    public var months: Int {
        switch self {
        case .xs: 3
        case .s: 12
        case .m: 24
        case .l: 36
        }
    }
}
