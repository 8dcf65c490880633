extension Skill {
    static let troubleshoot = Skill(
        name: "troubleshoot",
        summary: "Find out why da fails: diagnose, status, every common error message and its fix",
        markdown: #"""
            # Troubleshoot: when something does not work

            Use this skill when a `da` command fails or the data looks wrong. Start with the two commands below,
            then find the message in the tables. Every error `da` prints says what happened and what to run next.

            ```bash
            da diagnose --json      # server reachable and healthy, with suggested actions
            da status --json        # the server's health: overall status plus one entry per service
            da status --local       # what this workspace has synced, and when
            da auth whoami          # who you are logged in as, and on which server
            ```

            Exit codes: 0 success, 1 an error (the message is on standard error), 2 a usage mistake (wrong flag or
            argument; `da <command> --help` shows the right form).

            ## Connection and login

            | Message | Cause | Fix |
            |---|---|---|
            | `Cannot reach the server at URL (…)` | wrong address, server down, VPN | check `--server`, `DA_SERVER`, `config.yaml`; `curl URL/api/health` |
            | `Not logged in. Run: da auth login` | no `token.json` and no `DA_TOKEN` | `da auth login` |
            | `… (HTTP 401). Log in again: da auth login` | the token expired (24 h by default) or was revoked | `da auth login`; for long-running automation use a personal access token |
            | `Invalid email or password (HTTP 401) …` | wrong credentials | retry; an admin can send a new setup link |
            | HTTP 429 on login | 10 failed logins in 15 minutes | wait for the time in `Retry-After` |
            | `Cannot use …/token.json: …` | the file is damaged | delete it and `da auth login` |
            | whoami shows another user | `DA_TOKEN` is set and wins over `token.json` | `unset DA_TOKEN` |
            | the wrong server answers | `--server` > `DA_SERVER` > `config.yaml` > `http://localhost:8000` | `da setup init --server URL`, or unset `DA_SERVER` |

            ## Permissions

            | Message | Fix |
            |---|---|
            | `Access denied to table 'x'` / `Access denied to this table (HTTP 403)` | you may not read it; request access (see `da skills show security`) |
            | `Requires role admin or higher (HTTP 403)` | the command is for admins; ask one |
            | a table is missing after `da sync` | it is not readable for you, or it is a remote table (use `--remote`) |

            ## Local data

            | Message | Fix |
            |---|---|
            | `Local DuckDB not found (…). Run: da sync (or query the server with --remote)` | run `da sync`; or `cd` to the workspace / set `DA_LOCAL_DIR` |
            | `Table with name x does not exist` | `da sync --table x`; check `errors` in `da sync --json`; remote tables need `--remote` |
            | read-only error on `CREATE`/`INSERT` | `da query` never writes; create your own tables with another DuckDB client |
            | `da sync` exits 1 | read `errors` and `uploaded.errors` in `da sync --json`; the rest was synced |
            | numbers differ from yesterday | the server published new data; `da status --local` shows when you last synced |
            | `the downloaded file does not match its SHA-256 …` | damaged in transit; `da sync --table x` again |
            | `Could not set lock on file …` | another program holds `analytics.duckdb` open for writing; close it, rerun |

            ## Server-side queries (`--remote`)

            - `Query timed out after 30 s`: narrow the date range, aggregate earlier, or sync and run locally.
            - Refusals such as `Only single SELECT queries are allowed`: see `da skills show query`.
            - HTTP 409 downloading a table: it is a remote table; it has no file, query it with `--remote`.

            ## Server health

            `da status` shows `healthy`, `degraded` or `unhealthy` overall:
            - `degraded` with stale tables: a table was last synced more than 24 h ago; an admin should check the
              source (`da setup first-sync` asks the server to extract and publish again).
            - `unhealthy`: a check failed (`duckdb_state`, `data`, `users`); the server's log (JSON lines on
              standard error) names the cause.

            ## Admins: the server will not start

            - `JWT_SECRET_KEY` missing: set one of at least 32 characters (or `--dev` for development only).
            - Another `da-server` already uses the data directory: only one process per directory.
            - `… has schema version N, but this da-server knows only up to M`: upgrade `da-server`.
            - `instance.yaml: <key> must be …`: fix the named key in `config/instance.yaml`.

            ## Still stuck

            Collect `da diagnose --json`, `da auth whoami`, the exact command and its full error, and the time it
            happened (the server logs every request), then ask your admin.
            """#)
}
