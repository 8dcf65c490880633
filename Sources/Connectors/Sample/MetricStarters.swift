import AnalystCore
import Foundation

/// Starter metric definitions over the sample tables, in the reference's format
/// (`docs/metrics/<category>/<name>.yml`: a YAML list holding one mapping; `sql` is the canonical query and
/// every `sql_*` key an extra example).
enum MetricStarters {
    struct File {
        var category: String
        var name: String
        var yaml: String

        /// `<category>/<name>.yml`, relative to the metrics directory.
        var relativePath: String { "\(category)/\(name).yml" }
    }

    static let files: [File] = [
        File(
            category: "revenue", name: "total_revenue",
            yaml: """
                - name: total_revenue
                  display_name: Total Revenue
                  category: revenue
                  type: sum
                  unit: USD
                  grain: monthly
                  time_column: created_at
                  table: orders
                  tables: [orders, customers]
                  expression: "SUM(total_amount)"
                  description: "Order totals (items after discounts, plus shipping) of orders that were not cancelled or returned."
                  dimensions: [channel, segment, country]
                  notes:
                    - "Cancelled and returned orders are excluded."
                    - "Amounts are in USD. payments.amount is in the customer's currency, so do not sum payments for revenue."
                  synonyms: [gross_revenue, total_sales, sales]
                  sql: |
                    SELECT DATE_TRUNC('month', created_at) AS month, SUM(total_amount) AS total_revenue
                    FROM orders
                    WHERE status NOT IN ('cancelled', 'returned')
                    GROUP BY 1
                    ORDER BY 1
                  sql_by_channel: |
                    SELECT DATE_TRUNC('month', created_at) AS month, channel, SUM(total_amount) AS total_revenue
                    FROM orders
                    WHERE status NOT IN ('cancelled', 'returned')
                    GROUP BY 1, 2
                    ORDER BY 1, 2
                  sql_by_segment: |
                    SELECT c.segment, SUM(o.total_amount) AS total_revenue
                    FROM orders o JOIN customers c USING (customer_id)
                    WHERE o.status NOT IN ('cancelled', 'returned')
                    GROUP BY 1
                    ORDER BY 2 DESC

                """),
        File(
            category: "revenue", name: "average_order_value",
            yaml: """
                - name: average_order_value
                  display_name: Average Order Value
                  category: revenue
                  type: average
                  unit: USD
                  grain: monthly
                  time_column: created_at
                  table: orders
                  tables: [orders, customers]
                  expression: "AVG(total_amount)"
                  description: "Average order total of orders that were not cancelled or returned."
                  dimensions: [channel, segment]
                  notes:
                    - "Enterprise (b2b_enterprise) orders are three to five times larger than consumer orders; compare by segment."
                  synonyms: [aov, basket_size, average_basket]
                  sql: |
                    SELECT DATE_TRUNC('month', created_at) AS month, ROUND(AVG(total_amount), 2) AS average_order_value
                    FROM orders
                    WHERE status NOT IN ('cancelled', 'returned')
                    GROUP BY 1
                    ORDER BY 1
                  sql_by_segment: |
                    SELECT c.segment, ROUND(AVG(o.total_amount), 2) AS average_order_value, COUNT(*) AS orders
                    FROM orders o JOIN customers c USING (customer_id)
                    WHERE o.status NOT IN ('cancelled', 'returned')
                    GROUP BY 1
                    ORDER BY 2 DESC

                """),
        File(
            category: "revenue", name: "gross_margin",
            yaml: """
                - name: gross_margin
                  display_name: Gross Margin
                  category: revenue
                  type: ratio
                  unit: percent
                  grain: monthly
                  time_column: created_at
                  table: order_items
                  tables: [order_items, products, orders]
                  expression: "SUM(line_total - quantity * cost) / SUM(line_total)"
                  description: "Share of line revenue left after the products' unit cost."
                  dimensions: [category]
                  notes:
                    - "Electronics sell a lot at a low margin; Books & Media have the highest margin."
                  synonyms: [margin, gross_profit_margin]
                  sql: |
                    SELECT DATE_TRUNC('month', o.created_at) AS month,
                      ROUND(100 * SUM(i.line_total - i.quantity * p.cost) / SUM(i.line_total), 1) AS gross_margin_percent
                    FROM order_items i
                    JOIN products p USING (product_id)
                    JOIN orders o USING (order_id)
                    WHERE o.status NOT IN ('cancelled', 'returned')
                    GROUP BY 1
                    ORDER BY 1
                  sql_by_category: |
                    SELECT p.category, SUM(i.line_total) AS revenue,
                      ROUND(100 * SUM(i.line_total - i.quantity * p.cost) / SUM(i.line_total), 1) AS gross_margin_percent
                    FROM order_items i JOIN products p USING (product_id)
                    GROUP BY 1
                    ORDER BY 2 DESC

                """),
        File(
            category: "customers", name: "active_customers",
            yaml: """
                - name: active_customers
                  display_name: Active Customers
                  category: customers
                  type: count_distinct
                  unit: customers
                  grain: monthly
                  time_column: created_at
                  table: orders
                  tables: [orders, customers]
                  expression: "COUNT(DISTINCT customer_id)"
                  description: "Customers who placed at least one order in the period."
                  dimensions: [segment, country]
                  notes:
                    - "customers.is_active is an account flag; this metric counts customers who actually ordered."
                  synonyms: [buying_customers, purchasing_customers, monthly_active_customers]
                  sql: |
                    SELECT DATE_TRUNC('month', created_at) AS month, COUNT(DISTINCT customer_id) AS active_customers
                    FROM orders
                    GROUP BY 1
                    ORDER BY 1
                  sql_by_segment: |
                    SELECT DATE_TRUNC('month', o.created_at) AS month, c.segment, COUNT(DISTINCT o.customer_id) AS active_customers
                    FROM orders o JOIN customers c USING (customer_id)
                    GROUP BY 1, 2
                    ORDER BY 1, 2

                """),
        File(
            category: "customers", name: "new_customers",
            yaml: """
                - name: new_customers
                  display_name: New Customers
                  category: customers
                  type: count_distinct
                  unit: customers
                  grain: monthly
                  time_column: registration_date
                  table: customers
                  expression: "COUNT(DISTINCT customer_id)"
                  description: "Customers who registered in the period."
                  dimensions: [segment, country]
                  synonyms: [signups, registrations, customer_acquisition]
                  sql: |
                    SELECT DATE_TRUNC('month', registration_date) AS month, COUNT(DISTINCT customer_id) AS new_customers
                    FROM customers
                    GROUP BY 1
                    ORDER BY 1

                """),
        File(
            category: "customers", name: "repeat_purchase_rate",
            yaml: """
                - name: repeat_purchase_rate
                  display_name: Repeat Purchase Rate
                  category: customers
                  type: ratio
                  unit: percent
                  grain: all_time
                  table: orders
                  tables: [orders, customers]
                  expression: "COUNT(customers with 2+ orders) / COUNT(customers with 1+ orders)"
                  description: "Share of ordering customers who ordered more than once."
                  dimensions: [segment]
                  notes:
                    - "Customer activity is Pareto-like: a fifth of the customers place most of the orders."
                  synonyms: [repeat_rate, returning_customer_rate]
                  sql: |
                    WITH per_customer AS (SELECT customer_id, COUNT(*) AS orders FROM orders GROUP BY 1)
                    SELECT ROUND(100.0 * COUNT(*) FILTER (WHERE orders >= 2) / COUNT(*), 1) AS repeat_purchase_rate_percent
                    FROM per_customer

                """),
        File(
            category: "marketing", name: "campaign_ctr",
            yaml: """
                - name: campaign_ctr
                  display_name: Campaign Click-Through Rate
                  category: marketing
                  type: ratio
                  unit: percent
                  grain: monthly
                  time_column: start_date
                  table: campaigns
                  expression: "SUM(clicks) / SUM(impressions)"
                  description: "Clicks per impression of marketing campaigns."
                  dimensions: [channel, status, target_segment]
                  notes:
                    - "Paid search has the best click-through rate, display the lowest."
                  synonyms: [ctr, click_through_rate]
                  sql: |
                    SELECT DATE_TRUNC('month', start_date) AS month,
                      ROUND(100.0 * SUM(clicks) / NULLIF(SUM(impressions), 0), 2) AS ctr_percent
                    FROM campaigns
                    GROUP BY 1
                    ORDER BY 1
                  sql_by_channel: |
                    SELECT channel, SUM(impressions) AS impressions, SUM(clicks) AS clicks,
                      ROUND(100.0 * SUM(clicks) / NULLIF(SUM(impressions), 0), 2) AS ctr_percent
                    FROM campaigns
                    GROUP BY 1
                    ORDER BY 4 DESC

                """),
        File(
            category: "marketing", name: "lead_conversion_rate",
            yaml: """
                - name: lead_conversion_rate
                  display_name: Lead Conversion Rate
                  category: marketing
                  type: ratio
                  unit: percent
                  grain: monthly
                  time_column: created_at
                  table: web_leads
                  expression: "COUNT(*) FILTER (WHERE status = 'converted') / COUNT(*)"
                  description: "Share of web leads that became customers."
                  dimensions: [source, campaign_id]
                  synonyms: [conversion_rate, lead_to_customer_rate]
                  sql: |
                    SELECT DATE_TRUNC('month', created_at) AS month,
                      ROUND(100.0 * COUNT(*) FILTER (WHERE status = 'converted') / COUNT(*), 1) AS conversion_percent
                    FROM web_leads
                    GROUP BY 1
                    ORDER BY 1
                  sql_by_source: |
                    SELECT source, COUNT(*) AS leads,
                      ROUND(100.0 * COUNT(*) FILTER (WHERE status = 'converted') / COUNT(*), 1) AS conversion_percent
                    FROM web_leads
                    GROUP BY 1
                    ORDER BY 3 DESC

                """),
        File(
            category: "support", name: "avg_satisfaction",
            yaml: """
                - name: avg_satisfaction
                  display_name: Average Satisfaction (CSAT)
                  category: support
                  type: average
                  unit: score (1-5)
                  grain: monthly
                  time_column: created_at
                  table: support_tickets
                  expression: "AVG(satisfaction_score)"
                  description: "Average satisfaction score customers gave to resolved tickets."
                  dimensions: [category, priority, channel]
                  notes:
                    - "Only resolved or closed tickets are rated, and not all of them; unrated tickets have an empty score."
                  synonyms: [csat, customer_satisfaction]
                  sql: |
                    SELECT DATE_TRUNC('month', created_at) AS month, ROUND(AVG(satisfaction_score), 2) AS avg_satisfaction,
                      COUNT(satisfaction_score) AS ratings
                    FROM support_tickets
                    GROUP BY 1
                    ORDER BY 1
                  sql_by_category: |
                    SELECT category, ROUND(AVG(satisfaction_score), 2) AS avg_satisfaction, COUNT(satisfaction_score) AS ratings
                    FROM support_tickets
                    GROUP BY 1
                    ORDER BY 2

                """),
        File(
            category: "support", name: "avg_resolution_time",
            yaml: """
                - name: avg_resolution_time
                  display_name: Average Resolution Time
                  category: support
                  type: average
                  unit: hours
                  grain: monthly
                  time_column: created_at
                  table: support_tickets
                  expression: "AVG(resolved_at - created_at)"
                  description: "Hours from a ticket's creation to its resolution, for resolved and closed tickets."
                  dimensions: [priority, category, channel]
                  synonyms: [time_to_resolution, resolution_time]
                  sql: |
                    SELECT DATE_TRUNC('month', created_at) AS month,
                      ROUND(AVG(date_diff('minute', created_at, resolved_at)) / 60, 1) AS avg_resolution_hours
                    FROM support_tickets
                    WHERE resolved_at IS NOT NULL
                    GROUP BY 1
                    ORDER BY 1
                  sql_by_priority: |
                    SELECT priority, ROUND(AVG(date_diff('minute', created_at, resolved_at)) / 60, 1) AS avg_resolution_hours
                    FROM support_tickets
                    WHERE resolved_at IS NOT NULL
                    GROUP BY 1
                    ORDER BY 2

                """),
    ]

    /// Writes every starter under `directory` (`<category>/<name>.yml`). A file that exists with the same
    /// content counts as written; one with other content is kept and reported as skipped.
    static func install(into directory: URL) throws -> (written: [String], skipped: [String]) {
        var written: [String] = []
        var skipped: [String] = []
        for file in files {
            let url = directory.appendingPathComponent(file.relativePath)
            let content = Data(file.yaml.utf8)
            if let existing = FileManager.default.contents(atPath: url.path) {
                if existing == content {
                    written.append(file.relativePath)
                } else {
                    skipped.append(file.relativePath)
                }
                continue
            }
            do {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: url, options: .atomic)
            } catch {
                throw SampleDataError("could not write \(url.path): \(error.localizedDescription)")
            }
            written.append(file.relativePath)
        }
        return (written, skipped)
    }
}
