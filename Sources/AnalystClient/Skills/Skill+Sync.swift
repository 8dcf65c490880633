extension Skill {
    static let sync = Skill(
        name: "sync",
        summary: "Bring the tables you may read into the local workspace with da sync, and read what it reports",
        markdown: #"""
            # Sync: get the server's data onto this machine

            Use this skill before analysing offline, when the data looks old, after someone granted you a table, or
            when `da query` says `Local DuckDB not found`. `da sync` is incremental: run it as often as you like.

            ## What one `da sync` does

            1. Reads the server's manifest: every table you may read, with its SHA-256, size, rows and query mode.
            2. Downloads changed tables to `server/parquet/<id>.parquet` (4 in parallel by default). Interrupted
               downloads resume where they stopped; every file is checked against the manifest's SHA-256 before it
               replaces the old one. Unchanged tables are skipped.
            3. Removes local parquet files of tables the server no longer offers you (deleted, or access revoked).
            4. Rebuilds the views in `user/duckdb/analytics.duckdb`, one per table. Tables you created yourself in
               that database are never touched.
            5. Fetches metric and table docs (YAML) into `server/docs/` and table profiles into
               `server/metadata/profiles.json`; when the server offers corporate memory, its rules go to `.claude/rules/`.
            6. Uploads your `user/sessions/*.jsonl` and `.claude/CLAUDE.local.md` to the server.

            The workspace is `$DA_LOCAL_DIR` or the current directory: run `da sync` from the same folder you query in.

            ## Commands

            ```bash
            da sync                              # everything
            da sync --table orders --table customers
            da sync --dry-run                    # what would be downloaded, removed, uploaded; changes nothing
            da sync --jobs 8                     # more parallel downloads on a fast link (1-32)
            da sync --docs-only                  # docs, metrics and profiles only, no table data
            da sync --no-upload                  # download only, send nothing
            da sync --upload-only                # only upload sessions and CLAUDE.local.md (not with --docs-only/--no-upload)
            da sync --json                       # machine-readable report (for agents)
            da sync --quiet                      # print nothing but errors
            ```

            ## Reading the report

            `da sync --json` prints one object (the main keys; a few counters come with it):

            ```json
            {"downloaded": ["orders"], "skipped": ["customers", "products"], "removed": ["old_leads"],
             "remote": ["big_events"], "clashes": [],
             "errors": [{"table": "payments", "error": "Access denied to this table (HTTP 403)"}],
             "uploaded": {"sessions": 2, "local_md": true, "errors": []}}
            ```

            - `downloaded`: new or changed tables, now fresh. `skipped`: already up to date.
            - `removed`: tables that left your manifest; their files and views are gone.
            - `remote`: remote tables, reachable only with `--remote` (see below).
            - `clashes`: synced tables that got no view because you already have a table or view of that name in
              `analytics.duckdb`; rename yours to see the server's data.
            - `errors`: tables that failed; the others were still synced.
            - `uploaded`: what was sent to the server, with its own `errors`.
            - Exit code 1 when a table or an upload failed, 0 otherwise, so scripts can check `$?`.

            ## Remote tables

            A table with query mode `remote` (for example a large BigQuery table) has no parquet file and gets no
            local view. Query it on the server instead:

            ```bash
            da query --remote "SELECT region, sum(amount) FROM big_events GROUP BY ALL"
            da explore big_events --remote
            ```

            ## After syncing

            ```bash
            da status --local          # tables synced, last sync time
            da explore orders          # columns, row count, sample rows
            da query "SHOW TABLES"     # every local view (works locally, not with --remote)
            ```

            ## When it fails

            | Message | Meaning and fix |
            |---|---|
            | `Not logged in. Run: da auth login` | no token: `da auth login` (see `da skills show setup`) |
            | `… (HTTP 401). Log in again: da auth login` | token expired or revoked: log in again |
            | `Access denied to this table (HTTP 403)` in `errors` | access changed during the sync: run `da sync` again; ask an admin if you need the table |
            | `Cannot reach the server at …` | wrong URL or network: check `--server` / `DA_SERVER`, then `da diagnose` |
            | `the downloaded file does not match its SHA-256 …` | damaged in transit (already retried): run `da sync --table <id>` again |
            | a table you expect is missing | you may not read it: ask an admin for access (`da skills show security`) |
            | errors under `uploaded` | the server did not accept the upload (it may not offer uploads yet); `da sync --no-upload` |

            If a table keeps failing, run `da sync --table <id> --json` and pass the `error` text to an admin.
            """#)
}
