import AnalystCore
import Foundation

/// Where Jira Cloud is and how the server proves itself to it and checks its webhooks, from the environment as in the
/// reference (`JIRA_DOMAIN`, `JIRA_EMAIL`, `JIRA_API_TOKEN`, `JIRA_WEBHOOK_SECRET`), plus `JIRA_BASE_URL` for another
/// address (https, or http on loopback: a local fake). Secrets are kept here only to be used, never shown.
public struct JiraSettings: Sendable {
    /// The site's base URL (`https://<JIRA_DOMAIN>` or `JIRA_BASE_URL`); `nil` when neither is set.
    public var baseURL: URL?
    public var email: String?
    public var apiToken: String?
    /// The webhook's shared secret; without it the webhook refuses every event (503).
    public var webhookSecret: String?
    /// The largest webhook body accepted (`jira.max_event_bytes`, 10 MiB by default).
    public var maxEventBytes = 10 << 20
    /// Whether SLAs are read through the service-desk API (`jira.service_desk`, off by default: the issue's SLA
    /// custom fields are used).
    public var serviceDesk = false
    /// The JQL the consistency pass and the backfill cover (`jira.jql`); the consistency pass defaults to the
    /// issues updated in the last 7 days.
    public var jql: String?
    /// Published tables are `<tablePrefix><table>` (`jira.table_prefix`, default `jira_`).
    public var tablePrefix = "jira_"
    /// How often open issues' SLAs and statuses are refreshed (`jira.sla_poll_seconds`, 5 minutes).
    public var slaPollPeriod: Duration = .seconds(300)
    /// How often the consistency pass runs (`jira.consistency_seconds`, 6 hours).
    public var consistencyPeriod: Duration = .seconds(6 * 3600)
    /// Retries of a Jira call that answered 429 or 5xx or did not connect, with growing waits (or `Retry-After`).
    public var retries = 3

    public init(baseURL: URL? = nil, email: String? = nil, apiToken: String? = nil, webhookSecret: String? = nil) {
        self.baseURL = baseURL
        self.email = email
        self.apiToken = apiToken
        self.webhookSecret = webhookSecret
    }

    /// Whether the server can fetch issues (a site, an email and an API token).
    public var isConfigured: Bool { baseURL != nil && !(email ?? "").isEmpty && !(apiToken ?? "").isEmpty }

    /// Reads the settings; throws `ConnectorSettingsError` naming the key that is wrong.
    public static func resolve(instance: InstanceConfig, environment: [String: String]) throws(ConnectorSettingsError) -> JiraSettings {
        func value(_ name: String) -> String? {
            environment[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var settings = JiraSettings(
            email: value("JIRA_EMAIL"), apiToken: value("JIRA_API_TOKEN"), webhookSecret: value("JIRA_WEBHOOK_SECRET"))
        if let base = value("JIRA_BASE_URL") {
            settings.baseURL = try ServiceURL.parse(base, key: "JIRA_BASE_URL")
        } else if let domain = value("JIRA_DOMAIN") {
            let host = domain.hasPrefix("https://") ? String(domain.dropFirst("https://".count)) : domain
            guard !host.contains("/"), !host.contains("@"), URL(string: "https://" + host)?.host != nil else {
                throw ConnectorSettingsError("JIRA_DOMAIN \"\(domain)\" is not a host name; use e.g. yourcompany.atlassian.net")
            }
            settings.baseURL = try ServiceURL.parse("https://" + host, key: "JIRA_DOMAIN")
        }
        if let bytes = instance.int("jira.max_event_bytes") {
            guard bytes >= 1024 else { throw ConnectorSettingsError("jira.max_event_bytes must be at least 1024, got \(bytes)") }
            settings.maxEventBytes = bytes
        }
        for (key, minimum) in [("jira.sla_poll_seconds", 30), ("jira.consistency_seconds", 300)] {
            guard let seconds = instance.int(key) else { continue }
            guard seconds >= minimum else { throw ConnectorSettingsError("\(key) must be at least \(minimum), got \(seconds)") }
            if key == "jira.sla_poll_seconds" {
                settings.slaPollPeriod = .seconds(seconds)
            } else {
                settings.consistencyPeriod = .seconds(seconds)
            }
        }
        settings.serviceDesk = instance.bool("jira.service_desk") ?? false
        settings.jql = instance.string("jira.jql").flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        if let prefix = instance.string("jira.table_prefix") {
            guard prefix.isEmpty || Identifier.isValid(prefix + "issues") else {
                throw ConnectorSettingsError("jira.table_prefix \"\(prefix)\" does not make table names (\(Identifier.rule))")
            }
            settings.tablePrefix = prefix
        }
        return settings
    }

    /// The JQL of the consistency pass.
    public var consistencyJQL: String { jql ?? "updated >= -7d ORDER BY updated DESC" }
}
