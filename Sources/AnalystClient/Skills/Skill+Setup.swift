extension Skill {
    static let setup = Skill(
        name: "setup",
        summary: "Connect da to a server, log in, get the data; bring up a fresh server and its first admin",
        markdown: #"""
            # Setup: from nothing to a first query

            Use this skill when `da` is not connected yet, when the analyst moves to another server, or when an
            admin brings up a new server. Every step is safe to repeat.

            ## Analyst: connect to an existing server

            ```bash
            da setup init --server https://data.example.com   # remembers the server in config.yaml
            da auth login --email anna@example.com            # asks for the password (not echoed)
            da auth whoami                                    # Email, Name, Role, Server
            mkdir -p ~/analysis && cd ~/analysis              # the workspace: data lands here
            da sync                                           # downloads the tables you may read
            da query "SELECT count(*) FROM orders"            # runs on the local DuckDB
            ```

            - Login prints `Logged in as anna@example.com (role: analyst) on https://data.example.com`.
            - No terminal for a prompt (an agent, a script): `printf '%s' "$DA_PASSWORD" | da auth login --email E --password-stdin`.
            - With a personal access token instead of a password: `da auth login --token da_pat_…`.
            - `da login` is the same command as `da auth login`. `--server URL` on any command overrides the saved one.
            - The password is never stored; only the token, in `token.json` (mode 0600).

            ## Where things are kept

            | What | Where |
            |---|---|
            | config directory | `$DA_CONFIG_DIR`, else `$XDG_CONFIG_HOME/da`, else `~/.config/da` |
            | token | `DA_TOKEN` if set, else `token.json` in the config directory |
            | server URL | `--server` > `DA_SERVER` > `config.yaml` (`server: URL`) > `http://localhost:8000` |
            | workspace | `$DA_LOCAL_DIR`, else the current directory |

            The workspace after `da sync`: `server/parquet/<table>.parquet`, `server/docs/` (metric YAML),
            `server/metadata/profiles.json`, `user/duckdb/analytics.duckdb` (views you query). Run `da` from the
            workspace folder, or set `DA_LOCAL_DIR`, otherwise local commands will not find the data.

            ## Admin: a fresh server

            On the server machine (from the repository): `make run` builds and serves `http://127.0.0.1:8000` with a
            development token secret and loads the sample e-commerce dataset on the first start. For production run
            `da-server serve --data-dir /srv/da/data --host 0.0.0.0 --port 8000` with `JWT_SECRET_KEY` set (at least 32
            characters); without it the server refuses to start unless given `--dev`.

            Sample data for trying things out (stop the server first; one process per data directory):

            ```bash
            da-server sample-data --data-dir /srv/da/data --size s    # xs | s | m | l, 9 public tables
            ```

            Then, from any machine with `da`:

            ```bash
            da setup init --server https://data.example.com
            da setup test-connection                                 # the server's health answer
            printf '%s' "$ADMIN_PASSWORD" | da setup bootstrap admin@example.com --name "Data Admin" --password-stdin
            da setup first-sync                                      # asks the server to extract and publish its sources
            da setup verify --json                                   # one check per area: server, auth, data, users …
            ```

            - `bootstrap` creates the first admin and logs in as it. It works only while the server has no users;
              afterwards the server answers 403 and you log in with `da auth login` instead.
            - Passwords need at least 10 characters.
            - `verify` reports each check as pass, warn or fail; a `warn` on data usually means no tables are
              published yet (load sample data or see `da skills show connectors`).

            ## Admin: add people

            ```bash
            da admin users add anna@example.com --name "Anna Novak" --role analyst   # viewer | analyst | km_admin | admin
            da admin users list --json
            da admin permissions grant <user-id> finance.*          # a table id or a whole bucket
            ```

            New users set their password through a one-time setup link (72 h) from the server
            (`POST /api/users/{id}/setup-link`, emailed when SMTP is configured), then run `da auth login`.
            Public tables (`is_public`, the default for a registered table) are readable by everyone signed in.

            ## Done when

            `da auth whoami` shows the right user and server, `da sync` ends without errors and
            `da query "SELECT 1"` prints a result. If not: `da diagnose` and `da skills show troubleshoot`.
            """#)
}
