import AnalystCore
import Foundation

/// How the server talks to Telegram, from the environment (`TELEGRAM_BOT_TOKEN`, `TELEGRAM_API_URL`,
/// `TELEGRAM_WEBHOOK_SECRET`) and `instance.yaml` (`telegram.*`, `instance.name`, `server.*`).
///
/// The bot token is a secret: it is kept here only to be used. `description`, `debugDescription` and the mirror leave
/// it out, and so does every message this type throws.
public struct TelegramSettings: Sendable {
    /// How updates reach the server.
    public enum Mode: Sendable, Equatable {
        /// The server long-polls `getUpdates` (the default).
        case polling
        /// Telegram posts each update to `url` with `secret` in `X-Telegram-Bot-Api-Secret-Token`.
        case webhook(url: URL, secret: String)
    }

    /// The bot's token (`123456:ABC…`); never log it or show it.
    public var botToken: String
    /// The Bot API's base URL (`https://api.telegram.org`, or `TELEGRAM_API_URL`: https, or http on loopback).
    public var apiURL: URL
    public var mode: Mode
    /// The bot's @name without the @ (`telegram.bot_username`); when set, commands addressed to another bot
    /// (`/start@other_bot`) are ignored.
    public var botUsername: String?
    /// The name in the welcome message (`instance.name`).
    public var instanceName: String
    /// Where users enter their code (`SERVER_URL` / `server.public_url`, else `server.hostname`).
    public var dashboardAddress: String

    public static let defaultAPIURL: URL = {
        guard let url = URL(string: "https://api.telegram.org") else { preconditionFailure("the Bot API's URL does not parse") }
        return url
    }()

    public init(
        botToken: String, apiURL: URL, mode: Mode = .polling, botUsername: String? = nil, instanceName: String = "AI Data Analyst",
        dashboardAddress: String = "your dashboard"
    ) {
        self.botToken = botToken
        self.apiURL = apiURL
        self.mode = mode
        self.botUsername = botUsername
        self.instanceName = instanceName
        self.dashboardAddress = dashboardAddress
    }

    /// The settings, or `nil` when no bot token is configured (Telegram is then off). Throws
    /// `TelegramError.invalidSetting` naming the key that is wrong (never showing the token).
    public static func resolve(instance: InstanceConfig, environment: [String: String]) throws(TelegramError) -> TelegramSettings? {
        func value(_ variable: String?, _ key: String?) -> String? {
            if let variable, let text = environment[variable]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { return text }
            guard let key else { return nil }
            return instance.string(key)?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        }
        guard let token = value("TELEGRAM_BOT_TOKEN", "telegram.bot_token") else { return nil }
        guard isWellFormedToken(token) else {
            throw .invalidSetting(
                "TELEGRAM_BOT_TOKEN is not a bot token (digits, a colon, then letters, digits, - and _, as @BotFather gives it)")
        }
        var apiURL = defaultAPIURL
        if let text = value("TELEGRAM_API_URL", nil) {
            apiURL = try checkedURL(text, key: "TELEGRAM_API_URL")
        }
        var mode = Mode.polling
        if let text = value(nil, "telegram.webhook_url") {
            let url = try checkedURL(text, key: "telegram.webhook_url")
            guard let secret = value("TELEGRAM_WEBHOOK_SECRET", nil) else {
                throw .invalidSetting(
                    "telegram.webhook_url is set but TELEGRAM_WEBHOOK_SECRET is not: set it to 1-256 letters, digits, _ or - "
                        + "(Telegram sends it back with every update), or leave webhook_url empty to long-poll")
            }
            guard (1...256).contains(secret.count), secret.allSatisfy(isSecretCharacter) else {
                throw .invalidSetting("TELEGRAM_WEBHOOK_SECRET must be 1-256 letters, digits, _ or - (Telegram's rule)")
            }
            mode = .webhook(url: url, secret: secret)
        }
        let username = value(nil, "telegram.bot_username").map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 }
        let dashboard =
            value("SERVER_URL", "server.public_url") ?? value(nil, "server.hostname") ?? "your dashboard"
        return TelegramSettings(
            botToken: token, apiURL: apiURL, mode: mode, botUsername: username,
            instanceName: value(nil, "instance.name") ?? "AI Data Analyst", dashboardAddress: dashboard)
    }

    /// The API's `scheme://host[:port]`: what logs and errors show instead of a URL (which would hold the token).
    public var apiOrigin: String {
        TelegramSettings.origin(of: apiURL)
    }

    static func origin(of url: URL) -> String {
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(url.scheme ?? "https")://\(url.host ?? "?")\(port)"
    }

    /// `123456789:AA…`: digits, a colon, then URL-safe characters, so it can go into a path as is.
    static func isWellFormedToken(_ token: String) -> Bool {
        let parts = token.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return parts[0].allSatisfy { $0.isASCII && $0.isNumber } && parts[1].allSatisfy(isSecretCharacter)
    }

    static func isSecretCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-")
    }

    /// https, or http for a loopback address only (a local fake); no credentials in the URL.
    static func checkedURL(_ text: String, key: String) throws(TelegramError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw .invalidSetting("\(key) \"\(text)\" is not a URL; use e.g. https://api.telegram.org")
        }
        guard url.user == nil, url.password == nil else {
            throw .invalidSetting("\(key) must not carry a user name or password")
        }
        switch scheme {
        case "https":
            return url
        case "http" where isLoopback(host):
            return url
        case "http":
            throw .invalidSetting("\(key) \"\(text)\" must use https:// (plain http is accepted only for loopback addresses)")
        default:
            throw .invalidSetting("\(key) \"\(text)\" must be an https:// URL")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

extension TelegramSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let webhook: String
        switch mode {
        case .polling: webhook = "polling"
        case .webhook(let url, _): webhook = "webhook at \(url.absoluteString)"
        }
        return "TelegramSettings(api: \(apiOrigin), \(webhook), bot: \(botUsername ?? "?"), token: <redacted>)"
    }

    public var debugDescription: String { description }

    /// What `dump` and the debugger show: everything but the token and the webhook secret.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "apiURL": apiURL as Any, "botUsername": botUsername as Any, "instanceName": instanceName as Any,
                "dashboardAddress": dashboardAddress as Any,
            ], displayStyle: .struct)
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
