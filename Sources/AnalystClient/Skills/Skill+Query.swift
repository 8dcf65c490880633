extension Skill {
    static let query = Skill(
        name: "query",
        summary: "Run SQL on the local DuckDB or on the server (--remote); output formats and the server's sandbox",
        markdown: #"""
            # Query: answer questions with SQL

            Use this skill to look at data. Prefer the local database (fast, offline, no limits); use `--remote`
            for remote tables, for data you have not synced, or to check a number against the server.

            ## Local (default)

            Runs on `user/duckdb/analytics.duckdb` in the workspace (`$DA_LOCAL_DIR` or the current directory),
            opened read-only. It holds one view per synced table, so run `da sync` first.

            ```bash
            da query "SELECT status, count(*) AS orders FROM orders GROUP BY ALL ORDER BY 2 DESC"
            da query -f report.sql --format csv > report.csv
            echo "FROM customers LIMIT 5" | da query --format markdown
            da query "SUMMARIZE orders"                 # per-column min, max, nulls, distinct
            da query "SHOW TABLES"                      # the local views
            ```

            - SQL comes from the argument, `-f FILE`, or standard input (one of them).
            - `--format table` (default), `json` (an array of objects), `csv` (RFC 4180 quoting), `markdown`.
            - `--limit N` caps the rows printed (default 1,000). When more rows exist a notice says the result
              was truncated (on standard error for json/csv, so the output stays clean); raise `--limit` or aggregate.
            - Write statements (`CREATE`, `INSERT` …) fail here: `da query` opens the database read-only.

            ## Remote (`--remote`)

            ```bash
            da query --remote "SELECT date_trunc('month', created_at) AS month, sum(total_amount) FROM orders GROUP BY ALL ORDER BY 1"
            da query --remote --limit 50000 --format csv -f export.sql > export.csv
            ```

            The server runs it in a sandbox:
            - exactly one SELECT (with `WITH`, joins, window functions, `QUALIFY`, `PIVOT … IN (…)`, `FROM`-first,
              `DESCRIBE t`, `SUMMARIZE t` all fine);
            - only tables you may read, by name (`orders`, `main.orders`);
            - table functions only `range`, `generate_series`, `unnest`; no files, no URLs;
            - 30 s per query (server default); `--limit` default 1,000, at most 100,000.

            ## Sandbox refusals and how to rephrase

            | Refusal | Rephrase |
            |---|---|
            | `Only one statement at a time` | send each statement separately |
            | `Only single SELECT queries are allowed` | no CREATE/INSERT/SET/PRAGMA/EXPLAIN; use a CTE instead of a temp table; `PIVOT` needs `ON col IN ('a','b')` |
            | `Access denied to table 'x'` | you may not read `x` (or it is `information_schema`, another schema, a file or URL); drop it or request access |
            | `The table function 'read_parquet' is not allowed` | query the table by name instead of its file |
            | `The function 'getenv' is not allowed` | server-revealing functions are off; remove it |
            | `Listing tables, schemas or databases is not allowed` | see your tables with `da status --local` or locally with `da query "SHOW TABLES"`; inspect one with `da explore TABLE --remote` |
            | `Query parameters … are not supported` | put the values in the SQL text |
            | `Query timed out after 30 s` | filter by date, aggregate first, or sync the table and run locally |
            | `Query error: …` | DuckDB's own message: a typo, a wrong column, a type mismatch |

            ## Other errors

            - `Local DuckDB not found (…). Run: da sync (or query the server with --remote)`: no local database in
              this workspace; run `da sync`, or `cd` to the workspace, or use `--remote`.
            - `Catalog Error: Table with name x does not exist` (local): not synced, remote-only, or you may not
              read it; check `da sync --json` and `da query --remote`.
            - `… (HTTP 401). Log in again: da auth login` with `--remote`: the token expired.

            ## Good habits

            - Look before you query: `da explore orders` (columns, types, sample rows) or read
              `server/metadata/profiles.json` and the metric definitions in `server/docs/`.
            - Reuse the metric YAML's `sql` for official numbers instead of inventing a definition.
            - In the JSON output, DECIMAL values that a double cannot hold exactly arrive as strings; dates are ISO 8601.
            - Sample dataset: revenue is `orders.total_amount` without `cancelled` and `returned` orders; payment
              amounts are in several currencies, so do not sum `payments.amount` for revenue.
            """#)
}
