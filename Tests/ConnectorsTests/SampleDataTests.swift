import AnalystCore
import Crypto
import DuckDB
import Foundation
import TestSupport
import Testing
import Yams

@testable import Connectors

struct SampleDataTests {
    /// The reference's columns, in CSV header order (upstream-behaviour §11).
    static let columns: [String: [String]] = [
        "customers": [
            "customer_id", "email", "first_name", "last_name", "company", "country", "city", "segment", "registration_date",
            "is_active",
        ],
        "products": ["product_id", "sku", "name", "category", "price", "cost", "weight_kg", "is_active", "created_at"],
        "campaigns": [
            "campaign_id", "name", "channel", "status", "budget", "spend", "impressions", "clicks", "start_date", "end_date",
            "target_segment",
        ],
        "web_sessions": [
            "session_id", "visitor_id", "customer_id", "campaign_id", "started_at", "duration_seconds", "pages_viewed",
            "device_type", "browser", "country", "landing_page", "is_bounce",
        ],
        "web_leads": ["lead_id", "customer_id", "email", "source", "campaign_id", "created_at", "status", "converted_at"],
        "orders": [
            "order_id", "customer_id", "created_at", "status", "items_total", "discount_amount", "shipping_amount",
            "total_amount", "channel",
        ],
        "order_items": ["order_item_id", "order_id", "product_id", "quantity", "unit_price", "discount_percent", "line_total"],
        "payments": [
            "payment_id", "order_id", "customer_id", "amount", "currency", "method", "status", "created_at", "completed_at",
        ],
        "support_tickets": [
            "ticket_id", "customer_id", "order_id", "category", "priority", "status", "channel", "subject", "created_at",
            "first_response_at", "resolved_at", "satisfaction_score",
        ],
    ]

    /// A generated dataset in its own temporary data directory, with a connection to its `extract.duckdb`.
    struct Generated {
        let directory: TemporaryDirectory
        let dataDirectory: DataDirectory
        let report: SampleDataReport
        let connection: Connection

        init(size: SampleDataSize, seed: Int = 42, threads: Int? = nil) throws {
            directory = try TemporaryDirectory(prefix: "da-sample")
            dataDirectory = DataDirectory(directory.path)
            report = try SampleData.generate(into: dataDirectory, size: size, seed: seed, threads: threads, progress: { _ in })
            let source = ExtractSource(name: "sample", in: dataDirectory.extracts)
            connection = try source.connectReadOnly()
        }

        var source: ExtractSource { ExtractSource(name: "sample", in: dataDirectory.extracts) }

        func int(_ sql: String) throws -> Int64 {
            try connection.query(sql).scalar()?.int64Value ?? -1
        }

        func double(_ sql: String) throws -> Double {
            try connection.query(sql).scalar()?.doubleValue ?? .nan
        }

        func sha256(of table: String) throws -> String {
            let data = try Data(contentsOf: source.parquetFile(for: table))
            return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
    }

    @Test func xsHasTheReferenceTablesColumnsAndRowCounts() throws {
        let sample = try Generated(size: .xs)
        defer { sample.directory.remove() }
        let counts = SampleDataSize.xs.rowCounts.byTable
        for (table, columns) in Self.columns {
            let described = try sample.connection.query("SELECT * FROM \(table) LIMIT 0")
            #expect(described.columns.map(\.name) == columns, "columns of \(table)")
            let rows = try sample.int("SELECT count(*) FROM \(table)")
            #expect(sample.report.tables[table] == rows, "reported rows of \(table)")
            if let expected = counts[table] {
                #expect(rows == Int64(expected), "rows of \(table)")
            }
        }
        let orders = Double(SampleDataSize.xs.rowCounts.orders)
        let items = Double(sample.report.tables["order_items"] ?? 0)
        let payments = Double(sample.report.tables["payments"] ?? 0)
        #expect((2.3...3.2).contains(items / orders), "items per order: \(items / orders)")
        #expect((1.0...1.15).contains(payments / orders), "payments per order: \(payments / orders)")
        #expect(sample.report.totalRows == sample.report.tables.values.reduce(0, +))
        #expect(sample.report.tables.count == 9)
    }

    @Test func columnsHaveSensibleTypes() throws {
        let sample = try Generated(size: .xs)
        defer { sample.directory.remove() }
        let types = try sample.connection.query(
            """
            SELECT table_name || '.' || column_name, data_type FROM information_schema.columns
            WHERE table_name IN ('customers', 'products', 'orders', 'payments', 'campaigns', 'web_sessions', 'support_tickets')
            """
        ).rows().reduce(into: [String: String]()) { $0[$1[0].stringValue ?? ""] = $1[1].stringValue }
        #expect(types["customers.customer_id"] == "VARCHAR")
        #expect(types["customers.registration_date"] == "DATE")
        #expect(types["customers.is_active"] == "BOOLEAN")
        #expect(types["products.price"] == "DECIMAL(12,2)")
        #expect(types["products.created_at"] == "TIMESTAMP")
        #expect(types["orders.total_amount"] == "DECIMAL(12,2)")
        #expect(types["orders.created_at"] == "TIMESTAMP")
        #expect(types["payments.amount"] == "DECIMAL(12,2)")
        #expect(types["campaigns.impressions"] == "BIGINT")
        #expect(types["campaigns.start_date"] == "DATE")
        #expect(types["web_sessions.is_bounce"] == "BOOLEAN")
        #expect(types["web_sessions.duration_seconds"] == "INTEGER")
        #expect(types["support_tickets.satisfaction_score"] == "INTEGER")
    }

    @Test func idsFollowTheReferenceFormatsAndAreUnique() throws {
        let sample = try Generated(size: .xs)
        defer { sample.directory.remove() }
        let formats = [
            ("customers", "customer_id", "C-[0-9]{6}"), ("products", "product_id", "P-[0-9]{5}"),
            ("campaigns", "campaign_id", "CMP-[0-9]{4}"), ("web_sessions", "session_id", "S-[0-9]{8}"),
            ("web_leads", "lead_id", "L-[0-9]{6}"), ("orders", "order_id", "ORD-[0-9]{7}"),
            ("order_items", "order_item_id", "OI-[0-9]{8}"), ("payments", "payment_id", "PAY-[0-9]{7}"),
            ("support_tickets", "ticket_id", "TKT-[0-9]{6}"),
        ]
        for (table, column, pattern) in formats {
            let bad = try sample.int("SELECT count(*) FROM \(table) WHERE NOT regexp_full_match(\(column), '\(pattern)')")
            #expect(bad == 0, "\(table).\(column) not matching \(pattern)")
            let duplicates = try sample.int("SELECT count(*) - count(DISTINCT \(column)) FROM \(table)")
            #expect(duplicates == 0, "\(table).\(column) duplicates")
        }
        #expect(try sample.int("SELECT count(*) FROM customers WHERE customer_id = 'C-000001'") == 1)
        #expect(try sample.int("SELECT count(*) FROM orders WHERE order_id = 'ORD-0000100'") == 1)
        #expect(try sample.int("SELECT count(*) - count(DISTINCT email) FROM customers") == 0)
        #expect(try sample.int("SELECT count(*) FROM customers WHERE NOT regexp_full_match(email, '[a-z0-9.]+@[a-z0-9.-]+')") == 0)
    }

    @Test func enumerationsStayWithinTheDocumentedSets() throws {
        let sample = try Generated(size: .xs)
        defer { sample.directory.remove() }
        let sets: [(String, String, [String])] = [
            ("customers", "segment", ["b2c", "b2b_small", "b2b_enterprise"]),
            ("customers", "country", ["CZ", "DE", "US", "GB", "FR", "AT", "PL", "NL", "SK", "ES", "IT", "SE"]),
            (
                "products", "category",
                ["Electronics", "Clothing", "Home & Garden", "Sports & Outdoors", "Books & Media", "Beauty & Health"]
            ),
            (
                "campaigns", "channel",
                ["email", "paid_search", "paid_social", "organic_social", "display", "affiliate", "retargeting"]
            ),
            ("campaigns", "status", ["completed", "active", "paused"]),
            ("campaigns", "target_segment", ["all", "b2c", "b2b_small", "b2b_enterprise"]),
            (
                "web_leads", "source",
                ["newsletter_signup", "contact_form", "demo_request", "content_download", "webinar_registration"]
            ),
            ("web_leads", "status", ["new", "contacted", "qualified", "converted", "lost"]),
            ("web_sessions", "device_type", ["desktop", "mobile", "tablet"]),
            ("web_sessions", "browser", ["Chrome", "Safari", "Firefox", "Edge", "Other"]),
            ("orders", "status", ["delivered", "shipped", "confirmed", "pending", "cancelled", "returned"]),
            ("orders", "channel", ["web", "mobile_app", "phone", "api"]),
            ("payments", "method", ["credit_card", "debit_card", "paypal", "bank_transfer", "apple_pay", "invoice"]),
            ("payments", "status", ["completed", "failed", "refunded", "pending"]),
            ("payments", "currency", ["CZK", "EUR", "USD", "GBP", "PLN", "SEK"]),
            (
                "support_tickets", "category",
                ["question", "complaint", "return_request", "shipping", "technical_issue", "refund"]
            ),
            ("support_tickets", "priority", ["low", "medium", "high", "critical"]),
            ("support_tickets", "status", ["open", "in_progress", "waiting_on_customer", "resolved", "closed"]),
        ]
        for (table, column, values) in sets {
            let list = values.map(Identifier.literal).joined(separator: ", ")
            let outside = try sample.int("SELECT count(*) FROM \(table) WHERE \(column) IS NULL OR \(column) NOT IN (\(list))")
            #expect(outside == 0, "\(table).\(column) outside \(values)")
        }
        #expect(try sample.int("SELECT count(*) FROM support_tickets WHERE satisfaction_score NOT BETWEEN 1 AND 5") == 0)
        #expect(
            try sample.int(
                """
                SELECT count(*) FROM payments p JOIN orders o USING (order_id) JOIN customers c ON c.customer_id = o.customer_id
                WHERE c.segment = 'b2b_enterprise' AND p.method NOT IN ('bank_transfer', 'invoice')
                """) == 0)
        #expect(try sample.int("SELECT count(*) FROM payments WHERE status = 'failed' AND completed_at IS NOT NULL") == 0)
        #expect(try sample.int("SELECT count(*) FROM customers WHERE (segment = 'b2c') <> (company IS NULL)") == 0)
    }

    @Test func sizeSFollowsTheDocumentedWeightsAndPatterns() throws {
        let sample = try Generated(size: .s)
        defer { sample.directory.remove() }
        func share(_ table: String, _ condition: String) throws -> Double {
            try sample.double("SELECT avg(CASE WHEN \(condition) THEN 1.0 ELSE 0.0 END) FROM \(table)")
        }
        #expect((0.55...0.65).contains(try share("customers", "segment = 'b2c'")))
        #expect((0.10...0.20).contains(try share("customers", "segment = 'b2b_enterprise'")))
        #expect((0.20...0.30).contains(try share("customers", "country = 'CZ'")))
        #expect((0.80...0.90).contains(try share("customers", "is_active")))
        #expect((0.53...0.63).contains(try share("orders", "status = 'delivered'")))
        #expect((0.50...0.60).contains(try share("orders", "channel = 'web'")))
        #expect((0.40...0.50).contains(try share("web_sessions", "device_type = 'desktop'")))
        #expect((0.60...0.68).contains(try share("web_sessions", "browser = 'Chrome'")))
        #expect((0.30...0.40).contains(try share("web_leads", "status = 'new'")))
        #expect((0.25...0.31).contains(try share("support_tickets", "category = 'question'")))
        #expect((0.54...0.66).contains(try share("support_tickets", "order_id IS NOT NULL")))

        // Paid search has the best click-through rate.
        let bestChannel = try sample.connection.query(
            "SELECT channel FROM campaigns GROUP BY 1 ORDER BY sum(clicks) / sum(impressions) DESC LIMIT 1"
        ).scalar()
        #expect(bestChannel?.stringValue == "paid_search")
        // Enterprise orders are three to five times larger than consumer orders.
        let ratio = try sample.double(
            """
            SELECT avg(o.total_amount) FILTER (WHERE c.segment = 'b2b_enterprise') / avg(o.total_amount) FILTER (WHERE c.segment = 'b2c')
            FROM orders o JOIN customers c USING (customer_id)
            """)
        #expect((2.5...6).contains(ratio), "enterprise / b2c order value: \(ratio)")
        // Pareto-like activity: the top fifth of ordering customers place most orders.
        let topShare = try sample.double(
            """
            WITH per AS (SELECT customer_id, count(*) AS n FROM orders GROUP BY 1),
            ranked AS (SELECT n, row_number() OVER (ORDER BY n DESC, customer_id) AS r, count(*) OVER () AS buyers FROM per)
            SELECT sum(n) FILTER (WHERE r <= buyers / 5) / sum(n) FROM ranked
            """)
        #expect(topShare > 0.5, "top fifth share of orders: \(topShare)")
        // Seasonality and growth: December has clearly more orders than the same window's spring months.
        let december = try sample.int("SELECT count(*) FROM orders WHERE month(created_at) = 12")
        let april = try sample.int("SELECT count(*) FROM orders WHERE month(created_at) = 4")
        #expect(Double(december) > 1.8 * Double(april))
        // Sundays are the quietest day.
        let quietest = try sample.connection.query(
            "SELECT dayofweek(started_at) FROM web_sessions GROUP BY 1 ORDER BY count(*) LIMIT 1"
        ).scalar()
        #expect(quietest?.int64Value == 0)
        // Electronics bring the most revenue at the lowest margin; books and beauty keep the most.
        let margins = try sample.connection.query(
            """
            SELECT p.category, sum(i.line_total) AS revenue, sum(i.line_total - i.quantity * p.cost) / sum(i.line_total) AS margin
            FROM order_items i JOIN products p USING (product_id) GROUP BY 1 ORDER BY revenue DESC
            """
        ).rows()
        #expect(margins.first?[0].stringValue == "Electronics")
        let electronics = margins.first?[2].doubleValue ?? 1
        let books = margins.first { $0[0].stringValue == "Books & Media" }?[2].doubleValue ?? 0
        #expect(books > electronics + 0.1, "margins: books \(books), electronics \(electronics)")
    }

    @Test func foreignKeysHold() throws {
        let sample = try Generated(size: .xs)
        defer { sample.directory.remove() }
        let references = [
            ("web_sessions", "customer_id", "customers"), ("web_sessions", "campaign_id", "campaigns"),
            ("web_leads", "customer_id", "customers"), ("web_leads", "campaign_id", "campaigns"),
            ("orders", "customer_id", "customers"), ("order_items", "order_id", "orders"),
            ("order_items", "product_id", "products"), ("payments", "order_id", "orders"),
            ("payments", "customer_id", "customers"), ("support_tickets", "customer_id", "customers"),
            ("support_tickets", "order_id", "orders"),
        ]
        for (table, column, target) in references {
            let orphans = try sample.int(
                "SELECT count(*) FROM \(table) t ANTI JOIN \(target) r ON r.\(column) = t.\(column) WHERE t.\(column) IS NOT NULL")
            #expect(orphans == 0, "\(table).\(column) → \(target)")
        }
        let consistency = [
            "SELECT count(*) FROM orders ANTI JOIN order_items USING (order_id)",
            "SELECT count(*) FROM orders ANTI JOIN payments USING (order_id)",
            "SELECT count(*) FROM payments p JOIN orders o USING (order_id) WHERE p.customer_id <> o.customer_id",
            "SELECT count(*) FROM support_tickets t JOIN orders o USING (order_id) WHERE t.customer_id <> o.customer_id",
            """
            SELECT count(*) FROM orders o JOIN (SELECT order_id, sum(line_total) AS s FROM order_items GROUP BY 1) i USING (order_id)
            WHERE o.items_total <> i.s OR o.total_amount <> o.items_total - o.discount_amount + o.shipping_amount
            """,
            "SELECT count(*) FROM order_items i JOIN products p USING (product_id) WHERE i.unit_price <> p.price",
            """
            SELECT count(*) FROM web_leads
            WHERE (status = 'converted') <> (converted_at IS NOT NULL) OR (status = 'converted' AND customer_id IS NULL)
            """,
        ]
        for sql in consistency {
            #expect(try sample.int(sql) == 0, "\(sql)")
        }
    }

    @Test func eventsHappenInsideTheWindowAndInOrder() throws {
        let sample = try Generated(size: .xs)
        defer { sample.directory.remove() }
        // xs: 3 × 30 days before 2026-03-01.
        let window = "BETWEEN TIMESTAMP '2025-12-01' AND TIMESTAMP '2026-03-01' - INTERVAL 1 SECOND"
        for (table, column) in [
            ("web_sessions", "started_at"), ("web_leads", "created_at"), ("web_leads", "converted_at"), ("orders", "created_at"),
            ("payments", "created_at"), ("payments", "completed_at"), ("support_tickets", "created_at"),
            ("support_tickets", "first_response_at"), ("support_tickets", "resolved_at"),
        ] {
            let outside = try sample.int("SELECT count(*) FROM \(table) WHERE \(column) IS NOT NULL AND NOT (\(column) \(window))")
            #expect(outside == 0, "\(table).\(column) outside the window")
        }
        #expect(try sample.int("SELECT count(*) FROM customers WHERE registration_date >= DATE '2026-03-01'") == 0)
        #expect(try sample.int("SELECT count(*) FROM customers WHERE registration_date >= DATE '2025-12-01'") > 0)
        #expect(try sample.int("SELECT count(*) FROM products WHERE created_at >= TIMESTAMP '2025-12-01'") == 0)
        let ordered = [
            "SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE o.created_at::DATE < c.registration_date",
            "SELECT count(*) FROM web_sessions s JOIN customers c USING (customer_id) WHERE s.started_at::DATE < c.registration_date",
            "SELECT count(*) FROM payments p JOIN orders o USING (order_id) WHERE p.created_at < o.created_at",
            "SELECT count(*) FROM payments WHERE completed_at < created_at",
            "SELECT count(*) FROM web_leads WHERE converted_at < created_at",
            "SELECT count(*) FROM support_tickets t JOIN orders o USING (order_id) WHERE t.created_at < o.created_at",
            "SELECT count(*) FROM support_tickets WHERE first_response_at < created_at OR resolved_at < first_response_at",
            "SELECT count(*) FROM support_tickets WHERE (resolved_at IS NOT NULL) <> (status IN ('resolved', 'closed'))",
            "SELECT count(*) FROM campaigns WHERE end_date < start_date OR (status = 'completed') <> (end_date < DATE '2026-03-01')",
        ]
        for sql in ordered {
            #expect(try sample.int(sql) == 0, "\(sql)")
        }
    }

    @Test func theSameSeedGivesByteIdenticalFilesWhateverTheThreadCount() throws {
        let first = try Generated(size: .s, seed: 7, threads: 1)
        defer { first.directory.remove() }
        let second = try Generated(size: .s, seed: 7, threads: 4)
        defer { second.directory.remove() }
        let other = try Generated(size: .s, seed: 8)
        defer { other.directory.remove() }
        for table in Self.columns.keys.sorted() {
            let hash = try first.sha256(of: table)
            #expect(hash == (try second.sha256(of: table)), "\(table) differs between two runs with seed 7")
            #expect(hash != (try other.sha256(of: table)), "\(table) is the same for seeds 7 and 8")
        }
    }

    @Test func metaDescribesEveryTable() throws {
        let sample = try Generated(size: .xs)
        defer { sample.directory.remove() }
        let (tables, attachments) = try ExtractContract.read(sample.source)
        #expect(attachments.isEmpty)
        #expect(Set(tables.map(\.name)) == Set(Self.columns.keys))
        for table in tables {
            #expect(table.queryMode == .local)
            #expect(table.rows == sample.report.tables[table.name])
            #expect(table.rows == (try sample.int("SELECT count(*) FROM \(table.name)")))
            let size = try FileManager.default.attributesOfItem(atPath: sample.source.parquetFile(for: table.name).path)[.size]
            #expect(table.sizeBytes == (size as? NSNumber)?.int64Value)
            #expect(!(table.description ?? "").isEmpty)
        }
        #expect(sample.report.bytes == tables.map(\.sizeBytes).reduce(0, +))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: sample.source.dataDirectory.path)
            .filter { !$0.hasSuffix(".parquet") }
        #expect(leftovers.isEmpty)
    }

    @Test func metricStartersParseAndTheirQueriesRun() throws {
        let sample = try Generated(size: .xs)
        defer { sample.directory.remove() }
        let metrics = sample.dataDirectory.docs.appendingPathComponent("metrics")
        let required = [
            "revenue/total_revenue.yml", "revenue/average_order_value.yml", "customers/active_customers.yml",
            "marketing/campaign_ctr.yml", "support/avg_satisfaction.yml",
        ]
        #expect(Set(required).isSubset(of: Set(sample.report.metricFiles)))
        #expect(sample.report.skippedMetricFiles.isEmpty)
        for file in sample.report.metricFiles {
            let text = try String(contentsOf: metrics.appendingPathComponent(file), encoding: .utf8)
            let parsed = try Yams.load(yaml: text)
            let list = try #require(parsed as? [Any], "\(file) is a YAML list")
            #expect(list.count == 1)
            let metric = try #require(list.first as? [String: Any], "\(file) holds a mapping")
            let category = String(file.split(separator: "/")[0])
            #expect(metric["name"] as? String == String(file.split(separator: "/")[1].dropLast(4)))
            #expect(metric["category"] as? String == category)
            #expect(["sum", "average", "count_distinct", "ratio"].contains(metric["type"] as? String ?? ""))
            for key in ["display_name", "unit", "grain", "table", "expression", "description"] {
                #expect(metric[key] is String, "\(file): \(key)")
            }
            let queries = metric.filter { $0.key == "sql" || $0.key.hasPrefix("sql_") }
            #expect(queries["sql"] != nil, "\(file) has sql")
            for (key, value) in queries {
                let sql = try #require(value as? String)
                let rows = try sample.connection.query(sql).rows()
                #expect(!rows.isEmpty, "\(file) \(key) returned no rows")
            }
        }
    }

    @Test func anEditedMetricFileIsKeptAndReported() throws {
        let directory = try TemporaryDirectory(prefix: "da-sample")
        defer { directory.remove() }
        let dataDirectory = DataDirectory(directory.path)
        let edited = dataDirectory.docs.appendingPathComponent("metrics/revenue/total_revenue.yml")
        try FileManager.default.createDirectory(at: edited.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("- name: total_revenue\n  description: ours\n".utf8).write(to: edited)

        var lines: [String] = []
        let first = try SampleData.generate(into: dataDirectory, size: .xs, seed: 1) { lines.append($0) }
        #expect(first.skippedMetricFiles == ["revenue/total_revenue.yml"])
        #expect(!first.metricFiles.contains("revenue/total_revenue.yml"))
        #expect(try String(contentsOf: edited, encoding: .utf8) == "- name: total_revenue\n  description: ours\n")
        #expect(lines.contains { $0.contains("total_revenue.yml") })
        #expect(lines.contains { $0.hasPrefix("orders: 100 rows") })

        // A second run over the same directory replaces the tables and finds its own metric files unchanged.
        let second = try SampleData.generate(into: dataDirectory, size: .xs, seed: 2)
        #expect(second.skippedMetricFiles == ["revenue/total_revenue.yml"])
        #expect(second.metricFiles == first.metricFiles)
        #expect(second.tables["orders"] == 100)
    }
}
