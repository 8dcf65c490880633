import DuckDB
import Foundation
import TestSupport
import Testing

@testable import AnalystCore

/// An analytics database like the server's: readable `orders`, `customers`, `order_items`, `products`; private
/// `salaries` and `kpis` views over data; and a second database `sample` attached next to it.
private func analyticsConnection(path: String? = nil) throws -> Connection {
    let connection = try Database(path: path).connect()
    try connection.execute(
        """
        CREATE TABLE orders (
            id INTEGER, customer_id INTEGER, status VARCHAR, amount DECIMAL(10, 2), ordered_at DATE, tags VARCHAR[]);
        INSERT INTO orders VALUES
            (1, 1, 'paid', 10.50, DATE '2024-01-05', ['gift', 'rush']),
            (2, 1, 'open', 5.00, DATE '2024-02-01', []),
            (3, 2, 'paid', 7.25, DATE '2024-02-10', ['rush']);
        CREATE TABLE customers (id INTEGER, name VARCHAR, country VARCHAR, info STRUCT(tier VARCHAR, score INTEGER));
        INSERT INTO customers VALUES (1, 'Ann', 'CZ', {'tier': 'gold', 'score': 9}), (2, 'Bob', 'DE', {'tier': 'basic', 'score': 3});
        CREATE TABLE order_items (order_id INTEGER, product_id INTEGER, quantity INTEGER, price DOUBLE);
        INSERT INTO order_items VALUES (1, 1, 2, 4.0), (1, 2, 1, 2.5), (3, 2, 3, 2.4);
        CREATE TABLE products (id INTEGER, name VARCHAR, category VARCHAR, q1 INTEGER, q2 INTEGER);
        INSERT INTO products VALUES (1, 'Mug', 'home', 10, 12), (2, 'Pen', 'office', 40, 35);
        CREATE TABLE payroll (employee VARCHAR, salary INTEGER);
        INSERT INTO payroll VALUES ('ann', 90000), ('bob', 70000);
        CREATE VIEW salaries AS SELECT * FROM payroll;
        CREATE VIEW kpis AS SELECT 'secret' AS target;
        ATTACH ':memory:' AS sample;
        CREATE TABLE sample.orders (id INTEGER, secret VARCHAR);
        """)
    return connection
}

struct SQLSandboxTests {
    static let readable: Set<String> = ["orders", "customers", "order_items", "products"]

    let sandbox = SQLSandbox()

    private func check(_ sql: String, on connection: Connection) throws(SandboxError) -> SandboxedQuery {
        try sandbox.check(sql, using: connection, canRead: { Self.readable.contains($0) })
    }

    /// The sandbox's refusal of `sql`, or `nil` when it allows it.
    private func refusal(of sql: String, on connection: Connection) -> SandboxError? {
        do {
            _ = try check(sql, on: connection)
            return nil
        } catch {
            return error
        }
    }

    static let hostileQueries: [(String, SandboxError)] = [
        // Files and URLs, through table functions and replacement scans.
        ("SELECT * FROM read_csv('/etc/passwd')", .tableFunctionNotAllowed(name: "read_csv")),
        ("SELECT * FROM read_csv_auto('/etc/passwd', header = false)", .tableFunctionNotAllowed(name: "read_csv_auto")),
        ("SELECT * FROM read_text('/etc/passwd')", .tableFunctionNotAllowed(name: "read_text")),
        ("SELECT content FROM read_blob('/etc/hostname')", .tableFunctionNotAllowed(name: "read_blob")),
        ("SELECT * FROM glob('*')", .tableFunctionNotAllowed(name: "glob")),
        ("SELECT * FROM READ_PARQUET('s3://bucket/x.parquet')", .tableFunctionNotAllowed(name: "read_parquet")),
        ("SELECT * FROM read_json_auto('https://example.com/x.json')", .tableFunctionNotAllowed(name: "read_json_auto")),
        ("SELECT * FROM parquet_metadata('x.parquet')", .tableFunctionNotAllowed(name: "parquet_metadata")),
        ("SELECT * FROM sniff_csv('/etc/passwd')", .tableFunctionNotAllowed(name: "sniff_csv")),
        ("SELECT * FROM '/etc/passwd'", .accessDenied(table: "/etc/passwd")),
        ("SELECT * FROM 'x.csv'", .accessDenied(table: "x.csv")),
        ("FROM 's3://bucket/data.parquet'", .accessDenied(table: "s3://bucket/data.parquet")),
        ("SELECT * FROM 'https://example.com/data.csv'", .accessDenied(table: "https://example.com/data.csv")),
        ("SELECT * FROM \"x.parquet\"", .accessDenied(table: "x.parquet")),
        ("SELECT 1 UNION ALL SELECT count(*) FROM '~/.ssh/id_rsa'", .accessDenied(table: "~/.ssh/id_rsa")),
        // Statements other than one SELECT.
        ("ATTACH '/tmp/x.duckdb' AS x", .notASelect),
        ("DETACH sample", .notASelect),
        ("COPY orders TO '/tmp/orders.csv'", .notASelect),
        ("COPY (SELECT * FROM salaries) TO '/tmp/s.csv'", .notASelect),
        ("EXPORT DATABASE '/tmp/dump'", .notASelect),
        ("INSTALL httpfs", .notASelect),
        ("LOAD httpfs", .notASelect),
        ("SET enable_external_access = true", .notASelect),
        ("RESET memory_limit", .notASelect),
        ("SET VARIABLE x = 1", .notASelect),
        ("PRAGMA table_info('salaries')", .notASelect),
        ("CALL pragma_table_info('salaries')", .notASelect),
        ("CREATE TABLE t AS SELECT * FROM salaries", .notASelect),
        ("CREATE VIEW v AS SELECT 1", .notASelect),
        ("CREATE SECRET (TYPE s3, KEY_ID 'k', SECRET 's')", .notASelect),
        ("INSERT INTO orders (id) VALUES (9)", .notASelect),
        ("UPDATE orders SET amount = 0", .notASelect),
        ("DELETE FROM orders", .notASelect),
        ("DROP TABLE payroll", .notASelect),
        ("ALTER TABLE orders RENAME TO x", .notASelect),
        ("CHECKPOINT", .notASelect),
        ("USE sample", .notASelect),
        ("VACUUM", .notASelect),
        ("EXPLAIN SELECT * FROM salaries", .notASelect),
        ("EXPLAIN ANALYZE SELECT 1", .notASelect),
        ("PREPARE p AS SELECT * FROM salaries", .notASelect),
        // More than one statement, however it is disguised.
        ("SELECT 1; SELECT 2", .multipleStatements(count: 2)),
        ("SELECT 1; DROP TABLE orders", .notASelect),
        ("SELECT 1 -- a comment\n; DROP TABLE orders", .notASelect),
        ("SELECT ';' AS x; DROP TABLE orders", .notASelect),
        ("/* one */ SELECT 1; /* two */ SELECT * FROM orders;", .multipleStatements(count: 2)),
        ("SELECT 'it''s; fine'; SELECT * FROM salaries", .multipleStatements(count: 2)),
        // Other databases and schemas.
        ("SELECT * FROM sample.orders", .accessDenied(table: "sample.orders")),
        ("SELECT * FROM sample.main.orders", .accessDenied(table: "sample.main.orders")),
        ("SELECT * FROM memory.main.salaries", .accessDenied(table: "memory.main.salaries")),
        ("SELECT * FROM system.main.duckdb_tables", .accessDenied(table: "system.main.duckdb_tables")),
        ("SELECT * FROM information_schema.tables", .accessDenied(table: "information_schema.tables")),
        ("SELECT * FROM pg_catalog.pg_tables", .accessDenied(table: "pg_catalog.pg_tables")),
        ("SELECT * FROM temp.main.x", .accessDenied(table: "temp.main.x")),
        ("SELECT * FROM duckdb_tables", .accessDenied(table: "duckdb_tables")),
        ("SELECT * FROM pg_tables", .accessDenied(table: "pg_tables")),
        ("SELECT * FROM orders UNION ALL SELECT * FROM sample.orders", .accessDenied(table: "sample.orders")),
        ("DESCRIBE sample.orders", .accessDenied(table: "sample.orders")),
        // Functions that run other SQL or read the catalogue.
        ("SELECT * FROM query('SELECT * FROM salaries')", .tableFunctionNotAllowed(name: "query")),
        ("SELECT * FROM query_table('salaries')", .tableFunctionNotAllowed(name: "query_table")),
        ("SELECT * FROM duckdb_settings()", .tableFunctionNotAllowed(name: "duckdb_settings")),
        ("SELECT * FROM duckdb_tables()", .tableFunctionNotAllowed(name: "duckdb_tables")),
        ("SELECT * FROM system.main.range(3)", .tableFunctionNotAllowed(name: "system.main.range")),
        (
            "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT * FROM salaries'))",
            .tableFunctionNotAllowed(name: "json_execute_serialized_sql")
        ),
        ("SELECT getenv('HOME')", .functionNotAllowed(name: "getenv")),
        ("SELECT current_setting('memory_limit')", .functionNotAllowed(name: "current_setting")),
        ("SELECT upper(Current_Setting('threads'))", .functionNotAllowed(name: "current_setting")),
        ("SELECT pg_get_viewdef(1)", .functionNotAllowed(name: "pg_get_viewdef")),
        ("SELECT json_serialize_plan('SELECT * FROM salaries')", .functionNotAllowed(name: "json_serialize_plan")),
        ("SELECT nextval('seq')", .functionNotAllowed(name: "nextval")),
        ("SELECT sample.main.leak()", .functionNotAllowed(name: "sample.main.leak")),
        ("SELECT getvariable('secret')", .functionNotAllowed(name: "getvariable")),
        ("SELECT $1", .parametersNotAllowed),
        // The private view through every kind of clause.
        ("WITH s AS (SELECT * FROM salaries) SELECT * FROM s", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders WHERE amount > (SELECT max(salary) FROM salaries)", .accessDenied(table: "salaries")),
        ("SELECT (SELECT max(salary) FROM salaries) AS leak", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders WHERE EXISTS (SELECT 1 FROM salaries WHERE salary > 80000)", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders WHERE id IN (SELECT salary FROM salaries)", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders WHERE amount = ANY (SELECT salary FROM salaries)", .accessDenied(table: "salaries")),
        ("SELECT id FROM orders UNION ALL SELECT salary FROM salaries", .accessDenied(table: "salaries")),
        ("SELECT id FROM orders EXCEPT SELECT salary FROM salaries", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders JOIN salaries ON true", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders, LATERAL (SELECT * FROM salaries) s", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders POSITIONAL JOIN salaries", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders ASOF JOIN salaries ON orders.amount >= salaries.salary", .accessDenied(table: "salaries")),
        ("PIVOT salaries ON employee IN ('ann') USING sum(salary)", .accessDenied(table: "salaries")),
        ("SELECT * FROM salaries PIVOT (sum(salary) FOR employee IN ('ann'))", .accessDenied(table: "salaries")),
        ("UNPIVOT salaries ON salary INTO NAME k VALUE v", .accessDenied(table: "salaries")),
        ("FROM salaries", .accessDenied(table: "salaries")),
        ("FROM salaries SELECT employee", .accessDenied(table: "salaries")),
        ("TABLE salaries", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders WHERE id IN (TABLE salaries)", .accessDenied(table: "salaries")),
        ("SELECT * FROM (SELECT * FROM (SELECT * FROM salaries))", .accessDenied(table: "salaries")),
        ("SELECT * FROM (VALUES (1), (2)) v(x) JOIN salaries ON true", .accessDenied(table: "salaries")),
        ("SELECT * FROM range((SELECT count(*) FROM salaries))", .accessDenied(table: "salaries")),
        ("SELECT * FROM unnest((SELECT list(salary) FROM salaries))", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders LIMIT (SELECT count(*) FROM salaries)", .accessDenied(table: "salaries")),
        ("SELECT row_number() OVER (ORDER BY (SELECT max(salary) FROM salaries)) FROM orders", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders QUALIFY (SELECT count(*) FROM salaries) > 0", .accessDenied(table: "salaries")),
        ("SELECT status FROM orders GROUP BY status HAVING sum(amount) < (SELECT 1 FROM salaries)", .accessDenied(table: "salaries")),
        ("SELECT CASE WHEN true THEN (SELECT 1 FROM salaries) END", .accessDenied(table: "salaries")),
        ("SELECT * FROM orders o, LATERAL read_csv('/etc/passwd')", .tableFunctionNotAllowed(name: "read_csv")),
        ("SELECT * FROM generate_series(1, 3) g, glob('/home/*')", .tableFunctionNotAllowed(name: "glob")),
        ("DESCRIBE salaries", .accessDenied(table: "salaries")),
        ("SHOW salaries", .accessDenied(table: "salaries")),
        ("SUMMARIZE salaries", .accessDenied(table: "salaries")),
        ("SUMMARIZE SELECT * FROM salaries", .accessDenied(table: "salaries")),
        // Listing the catalogue.
        ("SHOW TABLES", .catalogListingNotAllowed),
        ("SHOW ALL TABLES", .catalogListingNotAllowed),
        ("SHOW DATABASES", .catalogListingNotAllowed),
        ("SHOW TABLES FROM sample", .catalogListingNotAllowed),
        ("DESCRIBE", .catalogListingNotAllowed),
        // Quoting, case and comments.
        ("SELECT * FROM \"SALARIES\"", .accessDenied(table: "SALARIES")),
        ("SELECT * FROM \"Salaries\"", .accessDenied(table: "Salaries")),
        ("SELECT * FROM main.\"salaries\"", .accessDenied(table: "main.salaries")),
        ("select * from SaLaRiEs", .accessDenied(table: "SaLaRiEs")),
        ("/* harmless */ SELECT * FROM salaries", .accessDenied(table: "salaries")),
        ("SELECT 1 -- \n ; DROP TABLE orders", .notASelect),
        ("SELECT * FROM orders -- \n JOIN salaries ON true", .accessDenied(table: "salaries")),
        // CTEs do not hide a table that DuckDB would read.
        (
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r JOIN salaries ON true WHERE n < 3) SELECT * FROM r",
            .accessDenied(table: "salaries")
        ),
        (
            "WITH RECURSIVE salaries AS (SELECT * FROM salaries UNION ALL SELECT * FROM salaries) SELECT * FROM salaries",
            .accessDenied(table: "salaries")
        ),
        ("WITH a AS (SELECT * FROM salaries), salaries AS (SELECT 1 AS x) SELECT * FROM a", .accessDenied(table: "salaries")),
        ("WITH salaries AS (SELECT * FROM salaries) SELECT * FROM salaries", .accessDenied(table: "salaries")),
        ("WITH salaries AS (SELECT 1 AS x) SELECT * FROM main.salaries", .accessDenied(table: "main.salaries")),
        // DuckDB folds only ASCII case: a CTE named with the Kelvin sign (K) does not hide the table `kpis`.
        ("WITH \"\u{212A}PIS\" AS (SELECT 1 AS x) SELECT * FROM kpis", .accessDenied(table: "kpis")),
        ("SELECT * FROM \"\u{212A}pis\"", .accessDenied(table: "\u{212A}pis")),
        ("SELECT * FROM orders\0; DROP TABLE orders", .syntaxError(message: "the query contains a NUL character")),
        (
            "SELECT * FROM (WITH salaries AS (SELECT 1 AS x) SELECT * FROM salaries) a, salaries",
            .accessDenied(table: "salaries")
        ),
    ]

    @Test(arguments: hostileQueries)
    func hostileQueryIsRefused(_ sql: String, expected: SandboxError) throws {
        let connection = try analyticsConnection()
        #expect(refusal(of: sql, on: connection) == expected)
        // Nothing was executed: the private view and the data are intact.
        #expect(try connection.query("SELECT count(*) FROM payroll").scalar() == .bigint(2))
        #expect(try connection.query("SELECT count(*) FROM orders").scalar() == .bigint(3))
    }

    @Test func thereAreEnoughHostileQueries() {
        #expect(Self.hostileQueries.count >= 60)
        #expect(Self.legitimateQueries.count >= 30)
    }

    static let legitimateQueries: [String] = [
        "SELECT 1",
        "SELECT 1;",
        "-- monthly revenue\nSELECT date_trunc('month', ordered_at) AS month, sum(amount) FROM orders GROUP BY ALL ORDER BY month",
        "/* leading comment */ SELECT count(*) FROM orders",
        "WITH paid AS (SELECT * FROM orders WHERE status = 'paid') SELECT customer_id, sum(amount) FROM paid GROUP BY customer_id",
        "WITH salaries AS (SELECT 1 AS x) SELECT * FROM salaries",
        "WITH \"Salaries\" AS (SELECT 1 AS x) SELECT * FROM SALARIES",
        "WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT * FROM b",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT sum(n) FROM r",
        "WITH m AS MATERIALIZED (SELECT * FROM orders) SELECT count(*) FROM m",
        "WITH t AS (SELECT 1 AS x) SELECT * FROM orders WHERE id IN (SELECT x FROM t)",
        """
        SELECT id, amount, sum(amount) OVER (PARTITION BY customer_id ORDER BY ordered_at
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM orders
        """,
        "SELECT lag(amount) OVER w, rank() OVER w, ntile(2) OVER w FROM orders WINDOW w AS (ORDER BY amount)",
        """
        SELECT o.id, c.name, i.quantity FROM orders o JOIN customers c ON c.id = o.customer_id
        LEFT JOIN order_items i ON i.order_id = o.id
        """,
        "SELECT * FROM orders QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC) = 1",
        "SELECT status, count(*) FROM orders GROUP BY ALL",
        "PIVOT orders ON status IN ('paid', 'open') USING sum(amount) GROUP BY customer_id",
        "SELECT * FROM orders PIVOT (sum(amount) FOR status IN ('paid', 'open') GROUP BY customer_id)",
        "UNPIVOT products ON q1, q2 INTO NAME quarter VALUE units",
        "SELECT id, unnest(tags) AS tag FROM orders",
        "SELECT * FROM range(10)",
        "SELECT * FROM generate_series(DATE '2024-01-01', DATE '2024-03-01', INTERVAL 1 MONTH)",
        "SELECT * FROM unnest([1, 2, 3]) t(x)",
        "SELECT 'a;b' AS s, 'drop table orders' AS t, 'salaries' AS u",
        "SELECT * FROM orders WHERE status <> 'drop table salaries; --'",
        "SELECT 1 AS orders_count",
        "SELECT amount AS salaries_total FROM orders",
        "DESCRIBE orders",
        "SUMMARIZE orders",
        "DESCRIBE SELECT * FROM orders",
        "FROM orders SELECT count(*)",
        "FROM orders",
        "TABLE orders",
        "SELECT * FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE country = 'CZ')",
        "SELECT * FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
        "SELECT CASE WHEN amount > 8 THEN 'big' ELSE 'small' END AS size FROM orders",
        "SELECT [x * 2 FOR x IN [1, 2, 3] IF x > 1], list_transform(tags, t -> upper(t)), list_filter([1, 2], lambda x: x > 1) FROM orders",
        "SELECT info.tier, info['score'], struct_pack(a := 1), {'k': 1}.k FROM customers",
        """
        SELECT year(ordered_at), ordered_at + INTERVAL 1 DAY, strftime(ordered_at, '%Y-%m'),
            date_diff('day', ordered_at, DATE '2025-01-01') FROM orders
        """,
        "SELECT \"Orders\".id FROM \"Orders\"",
        "SELECT * FROM ORDERS",
        "SELECT * FROM main.\"orders\"",
        "SELECT * FROM memory.main.orders",
        "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(n, s)",
        "SELECT * FROM orders USING SAMPLE 50 PERCENT (bernoulli, 42)",
        "SELECT id FROM orders UNION SELECT id FROM customers EXCEPT SELECT 3 INTERSECT SELECT 1",
        "SELECT * FROM orders o, LATERAL (SELECT * FROM order_items i WHERE i.order_id = o.id) x",
        "SELECT * FROM orders o ASOF JOIN customers c ON o.customer_id >= c.id",
        "SELECT * FROM orders POSITIONAL JOIN customers",
        "SELECT COLUMNS('^q'), * EXCLUDE (q1, q2) FROM products",
        """
        SELECT customer_id, count(*) FILTER (WHERE status = 'paid'), string_agg(status, ',' ORDER BY status)
        FROM orders GROUP BY ROLLUP (customer_id)
        """,
        "SELECT DISTINCT ON (customer_id) * FROM orders ORDER BY customer_id, amount DESC LIMIT 10 OFFSET 0",
        "SELECT amount::INTEGER, TRY_CAST(status AS INTEGER), CAST(amount AS DECIMAL(18, 3)) FROM orders",
        "SELECT current_date, now() > TIMESTAMP '2020-01-01', coalesce(NULL, 1), nullif(1, 1), greatest(1, 2)",
        "SELECT #1, #2 FROM orders",
        "SELECT name COLLATE nocase FROM customers ORDER BY 1",
        "SELECT amount BETWEEN 1 AND 10, status LIKE 'p%', status ILIKE 'P%', status IS NOT NULL FROM orders",
        "SELECT customer_id, median(amount), quantile_cont(amount, 0.9) FROM orders GROUP BY customer_id",
        "SELECT p.category, sum(i.quantity * i.price) FROM order_items i JOIN products p ON p.id = i.product_id GROUP BY 1",
    ]

    @Test(arguments: legitimateQueries)
    func legitimateQueryIsAllowedAndRuns(_ sql: String) throws {
        let connection = try analyticsConnection()
        let checked = try check(sql, on: connection)
        #expect(!checked.sql.hasSuffix(";"))
        #expect(checked.tables.isSubset(of: Self.readable))
        _ = try connection.query(checked.sql).rows()
    }

    @Test func returnsTheStatementAndTheTablesItReads() throws {
        let connection = try analyticsConnection()

        let joined = try check(
            "  \n SELECT o.id, c.name FROM \"Orders\" o JOIN CUSTOMERS c ON c.id = o.customer_id ;; \n", on: connection)
        #expect(joined.sql == "SELECT o.id, c.name FROM \"Orders\" o JOIN CUSTOMERS c ON c.id = o.customer_id")
        #expect(joined.tables == ["orders", "customers"])

        let nested = try check(
            """
            WITH big AS (SELECT * FROM orders WHERE amount > 5)
            SELECT * FROM big WHERE customer_id IN (SELECT id FROM customers)
            UNION ALL SELECT * FROM orders WHERE EXISTS (FROM order_items)
            """, on: connection)
        #expect(nested.tables == ["orders", "customers", "order_items"])

        #expect(try check("WITH salaries AS (SELECT 1 AS x) SELECT * FROM salaries", on: connection).tables == [])
        #expect(try check("SELECT * FROM range(3), unnest([1])", on: connection).tables == [])
        #expect(try check("DESCRIBE products", on: connection).tables == ["products"])
        #expect(try check("SELECT 1 -- the end", on: connection).sql == "SELECT 1 -- the end")
    }

    @Test func canReadGetsLowerCasedNamesAndDecides() throws {
        let connection = try analyticsConnection()
        var asked: [String] = []
        let checked = try sandbox.check("SELECT * FROM \"ORDERS\" JOIN Salaries ON true", using: connection) { name in
            asked.append(name)
            return true
        }
        #expect(asked == ["orders", "salaries"])
        #expect(checked.tables == ["orders", "salaries"])
    }

    /// An admin may read every table (`canRead` always says yes), but files and URLs are still not tables.
    @Test(arguments: [
        "SELECT * FROM '/data/extracts/sample/data/orders.parquet'", "FROM 'orders.parquet'",
        "SELECT * FROM \"/etc/passwd\"", "SELECT * FROM 'https://example.com/x.csv'", "SELECT * FROM 'C:\\x'",
        "SELECT * FROM 'extracts/sample/data/*.parquet'",
    ])
    func filesAreNotTablesEvenForAReaderOfEverything(_ sql: String) throws {
        let connection = try analyticsConnection()
        var asked: [String] = []
        let refusal: SandboxError?
        do {
            _ = try sandbox.check(sql, using: connection) { name in
                asked.append(name)
                return true
            }
            refusal = nil
        } catch {
            refusal = error
        }
        guard case .accessDenied = refusal else {
            Issue.record("expected a refusal of \(sql), got \(String(describing: refusal))")
            return
        }
        #expect(asked.isEmpty)
    }

    @Test func messagesNameTheOffendingTableOrFunction() throws {
        let connection = try analyticsConnection()
        let denied = refusal(of: "SELECT * FROM orders JOIN salaries ON true", on: connection)
        #expect(denied == .accessDenied(table: "salaries"))
        #expect(denied?.description.contains("Access denied to table 'salaries'") == true)
        #expect(refusal(of: "SELECT * FROM sample.orders", on: connection)?.description.contains("'sample.orders'") == true)
        #expect(refusal(of: "FROM read_csv('/etc/passwd')", on: connection)?.description.contains("'read_csv'") == true)
        #expect(refusal(of: "SELECT getenv('HOME')", on: connection)?.description.contains("'getenv'") == true)
        #expect(refusal(of: "DROP TABLE orders", on: connection)?.description.contains("Only single SELECT") == true)
    }

    @Test func emptyAndMalformedText() throws {
        let connection = try analyticsConnection()
        #expect(refusal(of: "", on: connection) == .empty)
        #expect(refusal(of: " ;; \n ", on: connection) == .empty)
        #expect(refusal(of: "-- just a comment", on: connection) == .empty)
        #expect(refusal(of: "/* nothing */", on: connection) == .empty)
        guard case .syntaxError(let message) = refusal(of: "SELEC * FROM orders", on: connection) else {
            Issue.record("a typo must be a syntax error")
            return
        }
        #expect(message.contains("SELEC"))
    }

    @Test func theCurrentDatabaseMayBeNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try analyticsConnection(path: directory.appending("server.duckdb"))
        #expect(try check("SELECT * FROM server.main.orders", on: connection).tables == ["orders"])
        #expect(try check("SELECT * FROM \"SERVER\".\"MAIN\".\"Orders\"", on: connection).tables == ["orders"])
        #expect(refusal(of: "SELECT * FROM memory.main.orders", on: connection) == .accessDenied(table: "memory.main.orders"))
        #expect(refusal(of: "SELECT * FROM server.main.salaries", on: connection) == .accessDenied(table: "server.main.salaries"))
        #expect(refusal(of: "SELECT * FROM server.other.orders", on: connection) == .accessDenied(table: "server.other.orders"))
    }

    @Test func anAcceptedStatementIsParsedOnceAndAuthorisedEveryTime() throws {
        let connection = try analyticsConnection()
        let sandbox = SQLSandbox()
        let sql = "SELECT status, count(*) FROM orders GROUP BY status"
        #expect(try sandbox.check(sql, using: connection) { _ in true }.tables == ["orders"])
        #expect(sandbox.cache.count == 1)
        // The same text again (trailing semicolon and spaces trimmed): the cached parse, and the caller's rights
        // are asked again, so a revoked table is refused at once.
        #expect(try sandbox.check(sql + " ; ", using: connection) { _ in true }.tables == ["orders"])
        #expect(throws: SandboxError.accessDenied(table: "orders")) {
            try sandbox.check(sql, using: connection) { _ in false }
        }
        #expect(sandbox.cache.count == 1)
    }

    @Test func refusedStatementsAreNotRemembered() throws {
        let connection = try analyticsConnection()
        let sandbox = SQLSandbox()
        for _ in 0..<2 {
            #expect(throws: SandboxError.tableFunctionNotAllowed(name: "read_csv")) {
                try sandbox.check("SELECT * FROM read_csv('/etc/passwd')", using: connection) { _ in true }
            }
            #expect(throws: SandboxError.notASelect) { try sandbox.check("DROP TABLE orders", using: connection) { _ in true } }
        }
        #expect(sandbox.cache.count == 0)
    }

    @Test func theCacheKeepsTheMostRecentlyUsedStatements() throws {
        let connection = try analyticsConnection()
        let sandbox = SQLSandbox(cacheCapacity: 2)
        let first = "SELECT 1 FROM orders", second = "SELECT 2 FROM customers", third = "SELECT 3 FROM products"
        _ = try sandbox.check(first, using: connection) { _ in true }
        _ = try sandbox.check(second, using: connection) { _ in true }
        _ = try sandbox.check(first, using: connection) { _ in true }  // now `second` is the least recently used
        _ = try sandbox.check(third, using: connection) { _ in true }
        #expect(sandbox.cache.count == 2)
        let key = { (sql: String) in SandboxAnalysisCache.Key(database: nil, statement: sql) }
        #expect(sandbox.cache.analysis(for: key(first)) != nil)
        #expect(sandbox.cache.analysis(for: key(second)) == nil)
        #expect(sandbox.cache.analysis(for: key(third)) != nil)
        #expect(SQLSandbox(cacheCapacity: 0).cache.count == 0)
    }

    /// A statement qualified with the database's own name is remembered per database file, not reused for another.
    @Test func theCacheIsPerDatabaseFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sandbox = SQLSandbox()
        let server = try analyticsConnection(path: directory.appending("server.duckdb"))
        let memory = try analyticsConnection()
        #expect(try sandbox.check("SELECT * FROM server.main.orders", using: server) { _ in true }.tables == ["orders"])
        #expect(throws: SandboxError.accessDenied(table: "server.main.orders")) {
            try sandbox.check("SELECT * FROM server.main.orders", using: memory) { _ in true }
        }
    }

    @Test func theTableFunctionAllowListDecides() throws {
        let connection = try analyticsConnection()
        let onlyRange = SQLSandbox(allowedTableFunctions: ["RANGE"])
        #expect(throws: Never.self) { try onlyRange.check("FROM range(3)", using: connection) { _ in false } }
        #expect(throws: SandboxError.tableFunctionNotAllowed(name: "unnest")) {
            try onlyRange.check("FROM unnest([1])", using: connection) { _ in false }
        }
        let reckless = SQLSandbox(allowedTableFunctions: ["read_text"])
        #expect(throws: Never.self) { try reckless.check("FROM read_text('x')", using: connection) { _ in false } }
    }

    /// Every table function and table macro of this DuckDB build is refused, except the default allow-list.
    @Test func everyOtherTableFunctionOfThisDuckDBIsRefused() throws {
        let connection = try analyticsConnection()
        let names = try connection.query(
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type IN ('table', 'table_macro')"
        ).rows().compactMap { $0.first?.stringValue }
        #expect(names.count > 50)
        for name in names where !SQLSandbox.defaultTableFunctions.contains(name) {
            #expect(refusal(of: "SELECT * FROM \(name)()", on: connection) == .tableFunctionNotAllowed(name: name))
        }
    }

    /// Built-in scalar macros that query the catalogue (`pg_get_viewdef` reads every view's SQL) are refused.
    @Test func macrosThatReadTablesAreRefused() throws {
        let connection = try analyticsConnection()
        let names = try connection.query(
            """
            SELECT DISTINCT function_name FROM duckdb_functions()
            WHERE function_type = 'macro' AND macro_definition ILIKE '%FROM %'
            """
        ).rows().compactMap { $0.first?.stringValue }
        #expect(names.contains("pg_get_viewdef"))
        for name in names {
            #expect(refusal(of: "SELECT \(name)(1)", on: connection) == .functionNotAllowed(name: name))
        }
    }

    @Test func deeplyNestedQueriesAreRefusedNotCrashing() throws {
        let connection = try analyticsConnection()
        let depth = 200
        let sql = String(repeating: "SELECT * FROM (", count: depth) + "SELECT 1" + String(repeating: ")", count: depth)
        #expect(refusal(of: sql, on: connection) == .tooComplex)
        let shallow = String(repeating: "SELECT * FROM (", count: 10) + "SELECT 1" + String(repeating: ")", count: 10)
        #expect(refusal(of: shallow, on: connection) == nil)
        let longSum = "SELECT " + (1...100).map(String.init).joined(separator: " + ")
        #expect(refusal(of: longSum, on: connection) == nil)

        // The walker has its own limit, whatever the JSON decoder accepts.
        var deep = ParseTree.array([])
        for _ in 0...ParseTreeWalker.maximumDepth { deep = .array([deep]) }
        var walker = ParseTreeWalker(allowedTableFunctions: [])
        #expect(throws: SandboxError.tooComplex) { try walker.visit(deep, scope: [], depth: 0) }
    }

    @Test func unknownNodesAreRefused() throws {
        var walker = ParseTreeWalker(allowedTableFunctions: [])
        let futureReference = ParseTree.object([
            "type": .string("SELECT_NODE"),
            "from_table": .object(["type": .string("READ_FILE_REF"), "path": .string("/etc/passwd")]),
        ])
        #expect(throws: SandboxError.unsupported(construct: "read_file_ref")) {
            try walker.visit(futureReference, scope: [], depth: 0)
        }
        let futureMember = ParseTree.object([
            "type": .string("BASE_TABLE"), "table_name": .string("orders"), "file_path": .string("/etc/passwd"),
        ])
        #expect(throws: SandboxError.unsupported(construct: "base_table with file_path")) {
            try walker.visit(futureMember, scope: [], depth: 0)
        }
        let futureExpression = ParseTree.object(["class": .string("FUNCTION"), "type": .string("READ_FILE")])
        #expect(throws: SandboxError.unsupported(construct: "the expression function read_file")) {
            try walker.visit(futureExpression, scope: [], depth: 0)
        }
        // Shapes the parser does not produce today, refused all the same.
        let emptySelect = ParseTree.object(["type": .string("SELECT_NODE"), "from_table": .object(["type": .string("EMPTY")])])
        let showWithQuery = ParseTree.object([
            "type": .string("SHOW_REF"), "show_type": .string("SHOW_FROM"), "query": emptySelect,
        ])
        #expect(throws: SandboxError.catalogListingNotAllowed) { try walker.visit(showWithQuery, scope: [], depth: 0) }
        let pivotOverEnum = ParseTree.object([
            "type": .string("PIVOT"), "source": .object(["type": .string("EMPTY")]),
            "pivots": .array([.object(["pivot_enum": .string("status_enum")])]),
        ])
        #expect(throws: SandboxError.unsupported(construct: "a PIVOT without an IN list")) {
            try walker.visit(pivotOverEnum, scope: [], depth: 0)
        }
        #expect(walker.tableReferences.isEmpty)
    }
}
