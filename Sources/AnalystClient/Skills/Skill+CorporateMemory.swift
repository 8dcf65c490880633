extension Skill {
    static let corporateMemory = Skill(
        name: "corporate-memory",
        summary: "Shared team knowledge: notes in CLAUDE.local.md go up, reviewed rules come down into .claude/rules/",
        markdown: #"""
            # Corporate memory: what the team has learned about its data

            Use this skill to understand the files in `.claude/rules/`, to share something you learned (a metric
            definition, a data quirk, a join that works), or to decide what belongs in `.claude/CLAUDE.local.md`.

            **When your server provides it.** Collecting, reviewing and distributing knowledge is a server feature
            that comes after data sync; a server without it simply sends no rules. `da` has no separate memory
            command: everything goes through `da sync`.

            ## The loop

            1. You (or your agent) write findings into `.claude/CLAUDE.local.md` in the workspace.
            2. `da sync` uploads that file (also `da sync --upload-only`; `--no-upload` keeps it local).
            3. The server distils the notes of all analysts into short knowledge items with a title, content,
               category (`data_analysis`, `business_logic`, `workflow`, `debugging`, `performance`,
               `api_integration`, `infrastructure`) and tags, using a language model. New items are checked for
               sensitive content first; an item flagged as sensitive is held back.
            4. Knowledge admins (role `km_admin` or `admin`) review items: `approved`, `mandatory` (everyone must
               follow it), `rejected`, or later `revoked`. Analysts can vote items up or down in the web UI.
               Depending on the server's `corporate_memory.approval_mode`, new items wait for review
               (`review_queue`, the default) or are published at once (`auto_publish`).
            5. `da sync` writes the items that apply to you into `.claude/rules/` as markdown. Claude Code reads
               that folder at the start of every session, so the whole team's knowledge is there, offline.

            ## For an agent

            - Read `.claude/rules/` before answering business questions. Treat `mandatory` rules as binding
              definitions (for example "revenue excludes cancelled and returned orders") even if the data would
              allow another reading. If a rule contradicts what the data shows, say so to the user instead of
              silently choosing one.
            - Do not edit files in `.claude/rules/`: the next `da sync` replaces them. Put corrections in
              `CLAUDE.local.md`; they flow back through review.
            - Check if the server has sent anything: `ls .claude/rules/` after `da sync`. Empty or missing means
              the server has no approved items for you yet (or does not provide corporate memory).

            ## What to write in CLAUDE.local.md

            Good items are short, specific and true for everyone:

            ```markdown
            ## Data notes
            - orders.total_amount is in USD; payments.amount is in the customer's currency. Use orders for revenue.
            - Revenue = sum(total_amount) where status not in ('cancelled', 'returned') (metric revenue/total_revenue.yml).
            - payments has one row per attempt (failed attempts are retried): count paid orders with status = 'completed'.
            - support_tickets.satisfaction_score exists for about two thirds of resolved tickets; do not treat NULL as 0.
            ```

            Do not write:
            - passwords, tokens, connection strings, or anything from `token.json`;
            - personal data (names, emails, customer records) or numbers that are confidential outside your team;
            - personal preferences ("I like charts in blue"): keep those in files that are not uploaded.

            The note file is uploaded as a whole by `da sync`. If a note was a mistake, delete it
            from the file and sync again; ask a knowledge admin to revoke an item that was already published.

            ## Related

            - Metric definitions (`server/docs/metrics/…`) are the official SQL for key numbers; corporate memory
              explains how to use data, it does not replace them.
            - Session transcripts (`user/sessions/*.jsonl`) are uploaded by `da sync` too; see `da skills show security`.
            """#)
}
