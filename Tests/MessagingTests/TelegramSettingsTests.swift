import AnalystCore
import Foundation
import Messaging
import Testing

/// Reading the Telegram settings from the environment and instance.yaml, and the Markdown helpers.
@Suite struct TelegramSettingsTests {
    static let token = "123456789:AAH-secret_part_of_the_token"

    func resolve(_ environment: [String: String], yaml: String = "") throws -> TelegramSettings? {
        let instance = try InstanceConfig.parse(yaml: yaml, path: nil, environment: environment)
        return try TelegramSettings.resolve(instance: instance, environment: environment)
    }

    /// The message of the error `body` threw, or `nil`.
    func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func withoutATokenTelegramIsOff() throws {
        #expect(try resolve([:]) == nil)
        #expect(try resolve(["TELEGRAM_BOT_TOKEN": ""], yaml: "telegram:\n  bot_token: ${TELEGRAM_BOT_TOKEN}\n") == nil)
    }

    @Test func theDefaultsAndWhereEachValueComesFrom() throws {
        let yaml = """
            instance:
              name: Acme Analyst
            server:
              hostname: analyst.acme.test
              public_url: https://analyst.acme.test/app
            telegram:
              bot_token: ${TELEGRAM_BOT_TOKEN}
              bot_username: "@acme_bot"
            """
        let settings = try #require(try resolve(["TELEGRAM_BOT_TOKEN": Self.token], yaml: yaml))
        #expect(settings.botToken == Self.token)
        #expect(settings.apiURL.absoluteString == "https://api.telegram.org")
        #expect(settings.mode == .polling)
        #expect(settings.botUsername == "acme_bot")
        #expect(settings.instanceName == "Acme Analyst")
        #expect(settings.dashboardAddress == "https://analyst.acme.test/app")
        let fromEnvironment = try #require(
            try resolve(
                ["TELEGRAM_BOT_TOKEN": Self.token, "SERVER_URL": "https://other.test", "TELEGRAM_API_URL": "http://127.0.0.1:9"], yaml: yaml
            ))
        #expect(fromEnvironment.dashboardAddress == "https://other.test")
        #expect(fromEnvironment.apiURL.absoluteString == "http://127.0.0.1:9")
        let bare = try #require(try resolve(["TELEGRAM_BOT_TOKEN": Self.token]))
        #expect(bare.instanceName == "AI Data Analyst" && bare.dashboardAddress == "your dashboard")
    }

    @Test func theAPIURLMustBeHTTPSOrLoopback() throws {
        for bad in ["http://api.telegram.org", "ftp://127.0.0.1", "not a url", "https://user:pw@api.telegram.org"] {
            let message = failure { _ = try resolve(["TELEGRAM_BOT_TOKEN": Self.token, "TELEGRAM_API_URL": bad]) }
            #expect(message?.contains("TELEGRAM_API_URL") == true, "\(bad) is refused")
        }
        #expect(try resolve(["TELEGRAM_BOT_TOKEN": Self.token, "TELEGRAM_API_URL": "http://localhost:8081"]) != nil)
    }

    @Test func aWebhookNeedsAnHTTPSURLAndASecret() throws {
        let yaml = "telegram:\n  webhook_url: https://analyst.acme.test/api/telegram/webhook\n"
        let missing = failure { _ = try resolve(["TELEGRAM_BOT_TOKEN": Self.token], yaml: yaml) }
        #expect(missing?.contains("TELEGRAM_WEBHOOK_SECRET") == true)
        let badSecret = failure {
            _ = try resolve(["TELEGRAM_BOT_TOKEN": Self.token, "TELEGRAM_WEBHOOK_SECRET": "no spaces allowed"], yaml: yaml)
        }
        #expect(badSecret?.contains("TELEGRAM_WEBHOOK_SECRET") == true)
        let plain = failure {
            _ = try resolve(
                ["TELEGRAM_BOT_TOKEN": Self.token, "TELEGRAM_WEBHOOK_SECRET": "s"],
                yaml: "telegram:\n  webhook_url: http://analyst.acme.test/hook\n")
        }
        #expect(plain?.contains("telegram.webhook_url") == true)

        let settings = try #require(try resolve(["TELEGRAM_BOT_TOKEN": Self.token, "TELEGRAM_WEBHOOK_SECRET": "Sec_ret-1"], yaml: yaml))
        let url = try #require(URL(string: "https://analyst.acme.test/api/telegram/webhook"))
        #expect(settings.mode == .webhook(url: url, secret: "Sec_ret-1"))
    }

    @Test func theTokenIsCheckedAndNeverShown() throws {
        for malformed in ["no-colon", "abc:def", "123:", "123:has/slash", "123:has space"] {
            let message = try #require(failure { _ = try resolve(["TELEGRAM_BOT_TOKEN": malformed]) })
            #expect(message.contains("TELEGRAM_BOT_TOKEN") && !message.contains(malformed))
        }
        let settings = try #require(
            try resolve(["TELEGRAM_BOT_TOKEN": Self.token, "TELEGRAM_WEBHOOK_SECRET": "webhook_secret_value"]))
        var dumped = ""
        dump(settings, to: &dumped)
        for shown in ["\(settings)", String(reflecting: settings), dumped] {
            #expect(!shown.contains("secret_part_of_the_token"), "\(shown)")
        }
    }

    @Test func markdownHelpersKeepUserTextFromBreakingTheMarkup() {
        #expect(TelegramMarkdown.escape("a_b*c`d[e]") == "a\\_b\\*c\\`d\\[e]")
        #expect(TelegramMarkdown.bold("plain") == "*plain*")
        #expect(TelegramMarkdown.bold("snake_case") == "*snake*\\_*case*")
        #expect(TelegramMarkdown.bold("*") == "\\*")
        #expect(TelegramMarkdown.bold("") == "")
        #expect(TelegramNotification(title: " ", message: "only the message").text == "only the message")
    }
}
