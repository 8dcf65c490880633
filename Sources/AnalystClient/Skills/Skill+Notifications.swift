extension Skill {
    static let notifications = Skill(
        name: "notifications",
        summary: "Alerts about your data: notification scripts (da scripts) delivered over Telegram and WebSocket",
        markdown: #"""
            # Notifications: be told when the data says something

            Use this skill when a user wants an alert ("tell me when daily revenue drops by a fifth", "ping me when
            the orders table is stale") or asks about Telegram or desktop notifications.

            ## How it works

            - A **notification script** is a small Python file (duckdb, pandas, numpy, matplotlib available) that
              checks a condition over the tables the user may read (`duckdb.connect("/data/analytics.duckdb",
              read_only=True)`) and prints one JSON object as its last line. The server runs it in a sandbox (no
              network, 300 s, 512 MB) on demand or on a schedule, and sends the message only when `notify` is true
              and the cooldown since the last message has passed.
            - `da scripts deploy check.py --schedule "daily 07:30"` (UTC; also `every 15m` or a cron expression),
              `da scripts list`, `da scripts run check`, `da scripts logs check`, `da scripts undeploy check`.
              `da scripts run --local check.py` runs it on this machine against the local database (offline).
            - **Telegram**: the operator sets `TELEGRAM_BOT_TOKEN` on the server. The user sends `/start` to the bot,
              gets a 6-digit code valid for 10 minutes, and enters it in the web UI (`POST /api/telegram/verify`).
              Messages then arrive as text, or as a photo with a caption when the script made a chart; `/status` in
              the chat lists the user's scripts with Run buttons.
            - **WebSocket** (`/ws/notifications` on the server): desktop apps and tools connect with the user's token
              and receive each notification as JSON (`type: "notification"`, `title`, `message`, `script`,
              `timestamp`, optional `image_url`). The server pings every 30 s; a client that stops answering is
              dropped and should reconnect.
            - Every notification is also kept on the server: `GET /api/notifications`.

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
            - `image_path`: a PNG or JPEG the script wrote under `/tmp` (10 MB at most); `data`: anything, for the record.
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

            ## Stale data alerts

            The server's health (`da status`) already reports tables not synced for more than 24 h as stale
            (`degraded`); a monitoring system can poll `GET /api/health` without a token.
            """#)
}
