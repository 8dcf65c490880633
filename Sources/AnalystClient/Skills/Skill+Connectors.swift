extension Skill {
    static let connectors = Skill(
        name: "connectors",
        summary: "Where tables come from: publish CSV/parquet, sample data, source connectors and the extract contract",
        markdown: #"""
            # Connectors: getting data onto the server

            Use this skill (as an admin) to publish a table, to understand where a table comes from, or to write a
            new source. Analysts only see the result: tables in `da sync` and `da query --remote`.

            ## How data flows

            ```
            source ──connector──▶ DATA_DIR/extracts/<source>/extract.duckdb + data/<table>.parquet
                   ──rebuild────▶ DATA_DIR/analytics/server.duckdb (one view per table)
                   ──da sync────▶ server/parquet/<table>.parquet + user/duckdb/analytics.duckdb on the laptop
            ```

            Every table must also be in the table registry: the server serves only registered tables to
            non-admins, and the registry carries the description, bucket, query mode and whether it is public.

            ## Publish a CSV or parquet file (the files source)

            ```bash
            da admin tables register orders             # registry fields as options: da admin tables register --help
            da admin tables upload orders ./orders.csv  # converted to parquet, published at once
            da admin tables list --json
            ```

            - The id is the name trimmed, lower-cased, spaces and dashes turned into `_`; it must match
              `^[a-z_][a-z0-9_]{0,63}$`. Registering an existing id fails with `Table 'orders' already registered`.
            - CSV needs a header row; DuckDB infers the types. Upload answers with rows, size, SHA-256 and columns.
            - Errors: 404 not registered, 409 the table belongs to another source, 413 larger than
              `data.max_upload_mb` (1024 MB by default), 422 unreadable file (nothing is published).
            - Without the CLI: copy the file to `DATA_DIR/inbox/orders.csv` (or `.parquet`) on the server and run
              `da setup first-sync`. A converted file leaves the inbox; an unreadable one stays, with the error in
              the sync job.

            Registry fields you can set (`register`, later `update ID`): source type, bucket, source table,
            `sync_strategy` (`full_refresh` default, `incremental`, `partitioned`), `query_mode` (`local` default,
            `remote`), `sync_schedule` (`every 15m`, `every 2h`, `daily 05:00,13:00` in UTC), primary key, folder,
            description, profile after sync, and `is_public`. A new table is public unless you say otherwise.

            ## Sample data

            `da-server sample-data --size xs|s|m|l [--seed 42]` (server stopped) publishes 9 e-commerce tables
            (customers, products, campaigns, web_sessions, web_leads, orders, order_items, payments,
            support_tickets) as the `sample` source, public, with starter metrics in `docs/metrics/`.

            ## Source connectors

            The server operator configures these on the server (credentials stay in the server's environment).
            Which ones run depends on your server; ask your admin.

            | Source | How | Query mode |
            |---|---|---|
            | Keboola | pulls tables in batches into parquet (full, incremental or partitioned) | local (remote possible) |
            | BigQuery | attaches the project; no download, queries go to BigQuery | remote |
            | Jira | webhooks update `issues`, `comments`, `attachments`, `changelog`, `issuelinks`, `remote_links` | local |
            | PostgreSQL | reads through DuckDB's postgres extension, copied to parquet or queried in place | local or remote |

            Local tables are copied to parquet and reach laptops with `da sync`. Remote tables stay at the source:
            they appear in the catalog but have no file; analysts use `da query --remote` and `da explore --remote`.

            ## The extract contract (for a new connector)

            A connector writes only `DATA_DIR/extracts/<source>/`:

            ```sql
            CREATE TABLE _meta (table_name VARCHAR NOT NULL, description VARCHAR, rows BIGINT, size_bytes BIGINT,
                                extracted_at TIMESTAMP, query_mode VARCHAR DEFAULT 'local');
            -- optional, for views that read through a DuckDB extension:
            CREATE TABLE _remote_attach (alias VARCHAR, extension VARCHAR, url VARCHAR, token_env VARCHAR);
            ```

            - One `_meta` row and one view per table; local tables read `data/<table>.parquet`.
            - `_remote_attach.token_env` names the environment variable holding the token; never store a secret
              in `extract.duckdb`.
            - Source and table names: lower-case letters, digits, `_`, at most 64 characters.
            - Write `extract.duckdb.tmp` and rename it over the old file, so readers never see half an extract.
            - Two sources publishing the same table name is an error for both; pick unique names.

            ## Watching a sync

            `da setup first-sync` (or `POST /api/sync/trigger` with an optional list of table ids) starts a job; the
            job (`GET /api/sync/jobs/<id>`) shows its step, what was published, which tables changed and every error.
            Profiles are recomputed for changed tables; `da explore TABLE --remote` shows them.
            """#)
}
