extension Skill {
    static let notifications = Skill(
        name: "notifications",
        summary: "Alerts about your data over Telegram or WebSocket when the server provides them; scripts and cron meanwhile",
        markdown: #"""
            # Notifications: be told when the data says something

            Use this skill when a user wants an alert ("tell me when daily revenue drops by a fifth", "ping me when
            the orders table is stale") or asks about Telegram or desktop notifications.

            **When your server provides it.** Notifications are a server feature that comes after data sync.
            `da` has no notification command: there is no `da scripts …` and no `da auth telegram-link` (older
            documents mention them; they do not exist). Do not tell the user to run them.

            ## How it works on a server that has it

            - A **notification script** checks a condition and prints one JSON object. The server runs it on a
              schedule (with a time limit of about a minute) and sends the message only when `notify` is true and
              the cooldown since the last message has passed.
            - **Telegram**: the operator connects a bot (`telegram.bot_token` and `telegram.bot_username` in the
              server's `instance.yaml`). You link your account once: send `/start` to the bot, it replies with a
              6-digit code valid for 10 minutes, and you enter that code in the server's web UI. Messages then
              arrive as text, or as a photo with a caption when the script made a chart.
            - **WebSocket** (`/ws/notifications` on the server): desktop apps and tools connect, sign in with the
              user's token and receive each notification as JSON (`type: "notification"`, `title`, `message`,
              `script`, `timestamp`, optional `image_url`). The server pings every 30 s; a client that stops
              answering is dropped and should reconnect.

            ## The script output contract

            ```json
            {"notify": true,
             "title": "Revenue dropped 25%",
             "message": "Yesterday 12,400 USD vs 16,500 USD the same weekday last week.",
             "image_path": "/tmp/revenue.png",
             "cooldown": "6h",
             "data": {"yesterday": 12400, "baseline": 16500}}
            ```

            - `notify` (required): send or not. `message` is required when `notify` is true; `title` is optional.
            - `cooldown`: `30m`, `1h` (default), `6h`, `1d`; at most one message per cooldown.
            - `image_path`: an absolute path to a PNG the script wrote; `data`: anything, for the record.
            - Keep messages short: Telegram cuts text at 4096 characters and photo captions at 1024.

            A minimal script:

            ```python
            import json
            drop = 0.25   # the result of your check (develop the SQL with da query first)
            print(json.dumps({"notify": drop >= 0.2, "title": "Revenue dropped %d%%" % (drop * 100),
                              "message": "Daily revenue is below last week's same day.", "cooldown": "6h"}))
            ```

            ## Develop the check with da

            Write and test the condition as SQL before it becomes a script:

            ```bash
            da query --format json "
              SELECT created_at::DATE AS day, sum(total_amount) AS revenue
              FROM orders WHERE status NOT IN ('cancelled', 'returned')
              GROUP BY ALL ORDER BY day DESC LIMIT 8"
            ```

            ## Until the server sends notifications

            A scheduled job on the analyst's machine can do the same with existing commands, for example in cron:

            ```bash
            cd ~/analysis && da sync --quiet --no-upload && \
              da query --format csv "SELECT count(*) FROM orders WHERE created_at >= current_date - 1" > /tmp/orders_today.csv
            ```

            The job needs a long-lived credential: create a personal access token (`da admin tokens create cron`)
            and give it to the job as `DA_TOKEN`, not the user's password. `da sync` exits 1 when a table failed,
            so the job can alert on that too.

            ## Stale data alerts

            The server's health (`da status`) already reports tables not synced for more than 24 h as stale
            (`degraded`); a monitoring system can poll `GET /api/health` without a token.
            """#)
}
