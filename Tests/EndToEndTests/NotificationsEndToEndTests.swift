import Foundation
import TestSupport
import Testing

/// The whole notification path with the real binaries: the Telegram link flow from `/start`, a script deployed with
/// `every 1m` that the server's scheduler runs, its chart reaching the fake Telegram as a photo and `da notifications
/// listen` over the WebSocket, and the cooldown holding the next run.
@Suite struct NotificationsEndToEndTests {
    @Test func aScheduledScriptReachesTelegramAndTheDesktop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let telegram = try await FakeTelegram.start()
        let config = directory.appending("config")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try "sync:\n  schedule_check_seconds: 1\n".write(toFile: config + "/instance.yaml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            dataDirectory: directory.appending("data"),
            environment: [
                "CONFIG_DIR": config, "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_URL": telegram.apiURL,
            ].merging(AnalystCLI.seedAdmin) { _, seed in seed })
        try await server.waitUntilHealthy()
        let da = AnalystCLI(directory: directory, server: server)
        #expect(try await da.signInAsAdmin().status == 0)
        let api = try await AnalystCLI.adminAPI(server)

        // The link flow: /start → code → verify on the server → /status lists the scripts with buttons.
        let chat: Int64 = 777
        telegram.pushMessage(chatID: chat, text: "/start")
        #expect(await telegram.wait(timeout: .seconds(60)) { $0.sent.contains { $0.chatID == chat && ($0.text ?? "").contains("code") } })
        let code = try #require(telegram.sent.last { $0.chatID == chat }?.text?.firstMatch(of: /\d{6}/).map { String($0.output) })
        let (linked, status) = try await api("POST", "/api/telegram/verify", ["code": code])
        #expect(status == 200 && linked["chat_id"] as? Int == Int(chat), "\(linked)")

        // The desktop: da notifications listen, in the background, signed in before anything is sent.
        let listener = Process()
        listener.executableURL = try ServerProcess.binary(named: "da")
        listener.arguments = ["notifications", "listen", "--json"]
        listener.environment = ProcessInfo.processInfo.environment.merging(da.environment) { _, new in new }
        let listenerOutput = URL(fileURLWithPath: directory.appending("listen.out"))
        let listenerErrors = URL(fileURLWithPath: directory.appending("listen.err"))
        _ = FileManager.default.createFile(atPath: listenerOutput.path, contents: nil)
        _ = FileManager.default.createFile(atPath: listenerErrors.path, contents: nil)
        listener.standardOutput = try FileHandle(forWritingTo: listenerOutput)
        listener.standardError = try FileHandle(forWritingTo: listenerErrors)
        try listener.run()
        defer { if listener.isRunning { listener.terminate() } }
        func contents(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        let deadline = ContinuousClock.now + .seconds(60)
        while !contents(listenerErrors).contains("Listening for"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(contents(listenerErrors).contains("Listening for \(AnalystCLI.adminEmail)"), "\(contents(listenerErrors))")

        let script = URL(fileURLWithPath: directory.appending("chart.py"))
        try Data(
            """
            import json
            import matplotlib.pyplot as plt
            plt.bar(["mon", "tue"], [3, 5]); plt.savefig("/tmp/chart.png")
            print(json.dumps({"notify": True, "title": "Orders", "message": "5 orders today", "image_path": "/tmp/chart.png",
                              "cooldown": "1h"}))
            """.utf8
        ).write(to: script)
        let deployed = try await da(["scripts", "deploy", script.path, "--schedule", "every 1m"])
        #expect(deployed.status == 0, "\(deployed.stdout) \(deployed.stderr)")
        telegram.pushMessage(chatID: chat, text: "/status")
        #expect(await telegram.wait(timeout: .seconds(60)) { $0.sent.contains { $0.chatID == chat && !$0.buttons.isEmpty } })

        // The scheduler runs it within the minute: a photo on Telegram, the same notification on the WebSocket.
        #expect(await telegram.wait(timeout: .seconds(150)) { $0.sent.contains { $0.method == "sendPhoto" && $0.chatID == chat } })
        let photo = try #require(telegram.sent.first { $0.method == "sendPhoto" })
        #expect((photo.caption ?? "").contains("5 orders today"))
        let logs = try await da(["scripts", "logs", "chart", "--json"])
        #expect(logs.stdout.contains(#""trigger":"schedule""#) || logs.stdout.contains(#""trigger" : "schedule""#), "\(logs.stdout)")

        // Run again now: the cooldown holds, nothing more is sent.
        let again = try await da(["scripts", "run", "chart"])
        #expect(again.status == 0 && again.stderr.contains("cooldown still holds"), "\(again.stdout) \(again.stderr)")
        #expect(telegram.sent.filter { $0.method == "sendPhoto" }.count == 1)

        let desktopDeadline = ContinuousClock.now + .seconds(60)
        while !contents(listenerOutput).contains("5 orders today"), ContinuousClock.now < desktopDeadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let desktop = contents(listenerOutput)
        #expect(desktop.contains(#""type":"notification""#) && desktop.contains("5 orders today"), "\(desktop) \(contents(listenerErrors))")
        listener.terminate()
        let listed = try await da(["notifications", "list"])
        #expect(listed.stdout.contains("5 orders today"), "\(listed.stdout)")
        await server.stop()
        await telegram.stop()
    }
}
