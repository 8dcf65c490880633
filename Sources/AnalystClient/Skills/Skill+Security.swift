extension Skill {
    static let security = Skill(
        name: "security",
        summary: "Roles, who may read which table, requesting access, tokens, the query sandbox and local data care",
        markdown: #"""
            # Security: access, credentials and data on your machine

            Use this skill when a table is denied, when someone needs access, when handling tokens, or before
            copying data anywhere. Rule for agents: never work around a denial; ask for access instead.

            ## Roles

            `viewer < analyst < km_admin < admin`. Admins manage users, tables and permissions and may read every
            table; `km_admin` also reviews corporate memory; analysts and viewers read what they are allowed to.
            The server reads the role from its database on every request, so a role change applies at once.

            ## Who may read a table

            In this order: admins always; a table not in the registry only admins; an explicit grant for the user
            (`read`, or `none`, which beats everything); a public table (`is_public`, the default when a table is
            registered); a `read` grant on the table's bucket (`<bucket>.*`); otherwise nobody.

            This decides everything: the manifest `da sync` downloads, `da query --remote`, `da explore --remote`
            and file downloads. Revoked tables disappear from the laptop on the next `da sync`.

            ## Getting access

            A denial looks like `Access denied to table 'salaries'` or `Access denied to this table (HTTP 403)`.
            Ask an admin, with the table id and why you need it. Requests can also be filed with the API
            (`POST /api/access-requests {"table_id": "salaries", "reason": "Q3 payroll report"}`); admins handle them:

            ```bash
            da admin access-requests list
            da admin access-requests approve <request-id>     # grants read on that table
            da admin access-requests deny <request-id>
            da admin permissions grant <user-id> salaries     # or a bucket: finance.*
            da admin permissions revoke <user-id> salaries
            da admin permissions list --json
            ```

            Register sensitive tables as not public, and grant them per user or per bucket.

            ## Credentials

            - `da auth login` keeps only a token, in `token.json` (mode 0600) in the config directory; the
              password is never stored. Login tokens expire (24 h by default).
            - Personal access tokens (`da_pat_…`) are for scripts and long-running agents:
              `da admin tokens create NAME` shows the secret once (store it in a secret manager), `da admin tokens list`
              shows the prefix, `da admin tokens revoke ID` cuts it off. Use them as `DA_TOKEN` or with
              `da auth login --token`.
            - `da auth logout` deletes `token.json` and revokes the token on the server.
            - Never put tokens or passwords in SQL, in `CLAUDE.local.md`, in notebooks or in git. Pipe passwords
              with `--password-stdin` instead of typing them into a command line others can see.
            - Ten failed logins within 15 minutes lock further attempts for that email for a while (HTTP 429).

            ## The query sandbox

            Server-side SQL (`--remote`) is parsed by DuckDB and checked before it runs: one SELECT, only tables you
            may read, no files, URLs, other databases, `information_schema` or server settings, a row cap, a memory
            cap and a 30 s timeout. A refusal is the rule working; rephrase within it (`da skills show query`).

            ## Data on your machine

            - `server/parquet/` holds real copies of company data. Keep the workspace on an encrypted disk, out of
              git (add `server/` and `user/` to `.gitignore`) and out of shared or synced folders.
            - Share results, not extracts: aggregated tables, charts, numbers.
            - `da sync` uploads `user/sessions/*.jsonl` (agent transcripts, which may contain query results) and
              `.claude/CLAUDE.local.md`. Use `da sync --no-upload` to keep them local, and keep personal data out of
              both.

            ## Audit

            The server records every API call: who, what route, which parameters (secrets masked), the status and
            the time. Admins read it at `GET /api/admin/audit`. Assume every query and download is attributable to
            you.
            """#)
}
