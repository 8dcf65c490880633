import AnalystCore
import Foundation
import Logging

/// What the connectors need from `instance.yaml` and the environment, resolved and checked once at start so a
/// wrong URL fails the launch with the key's name instead of every sync.
public struct ConnectorSettings: Sendable {
    /// Keboola's Storage API; `nil` when no stack URL is configured.
    public var keboola: KeboolaSettings?
    /// BigQuery's REST API; `nil` when no project is configured.
    public var bigquery: BigQuerySettings?
    /// The OpenMetadata catalog that enriches the table catalog; `nil` when `openmetadata.url` is not set.
    public var openMetadata: OpenMetadataSettings?
    /// Jira Cloud and its webhook.
    public var jira = JiraSettings()
    /// The language model for structured extraction; `nil` when `ai.provider` is not set.
    public var llm: LLMSettings?
    /// The process environment (tokens and connection strings are read from it when a run needs them).
    public var environment: [String: String]

    public init(
        keboola: KeboolaSettings? = nil, bigquery: BigQuerySettings? = nil, openMetadata: OpenMetadataSettings? = nil,
        environment: [String: String] = [:]
    ) {
        self.keboola = keboola
        self.bigquery = bigquery
        self.openMetadata = openMetadata
        self.environment = environment
    }

    /// Reads every connector's settings; throws `ConnectorSettingsError` naming the key that is wrong.
    public static func resolve(instance: InstanceConfig, environment: [String: String]) throws(ConnectorSettingsError)
        -> ConnectorSettings
    {
        var settings = ConnectorSettings(
            keboola: try KeboolaSettings.resolve(instance: instance, environment: environment),
            bigquery: try BigQuerySettings.resolve(instance: instance, environment: environment),
            openMetadata: try OpenMetadataSettings.resolve(instance: instance, environment: environment), environment: environment)
        settings.jira = try JiraSettings.resolve(instance: instance, environment: environment)
        settings.llm = try LLMSettings.resolve(instance: instance, environment: environment)
        return settings
    }
}

/// A connector setting that cannot work; the message names the key and what is accepted.
public struct ConnectorSettingsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A base URL a connector may call: `https://`, or `http://` only on a loopback address (a local fake or proxy),
/// so a token is never sent in clear over a network.
enum ServiceURL {
    static func parse(_ text: String, key: String) throws(ConnectorSettingsError) -> URL {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw ConnectorSettingsError("\(key) \"\(trimmed)\" is not a URL; use e.g. https://connection.keboola.com")
        }
        switch scheme {
        case "https":
            return url
        case "http" where isLoopback(host):
            return url
        case "http":
            throw ConnectorSettingsError("\(key) \"\(trimmed)\" must use https:// (plain http is accepted only for loopback addresses)")
        default:
            throw ConnectorSettingsError("\(key) \"\(trimmed)\" must be an https:// URL")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// The connectors this server runs, by source: the files source always, the others when configured.
public enum SourceConnectors {
    public static func make(settings: ConnectorSettings, directory: DataDirectory, logger: Logger) -> [any Connector] {
        var connectors: [any Connector] = [FilesSource(directory: directory)]
        if let keboola = settings.keboola {
            connectors.append(
                KeboolaConnector(settings: keboola, environment: settings.environment, directory: directory, logger: logger))
        }
        if let bigquery = settings.bigquery {
            connectors.append(
                BigQueryConnector(settings: bigquery, environment: settings.environment, directory: directory, logger: logger))
        }
        connectors.append(DatabaseConnector(.postgres, settings: settings, directory: directory, logger: logger))
        connectors.append(DatabaseConnector(.mysql, settings: settings, directory: directory, logger: logger))
        return connectors
    }

    /// Sources this build can run but this server is not configured for, with what to set.
    public static func unconfigured(settings: ConnectorSettings) -> [String: String] {
        var reasons: [String: String] = [:]
        if settings.keboola == nil {
            reasons[KeboolaConnector.sourceName] =
                "Keboola is not configured: set keboola.url in instance.yaml or KEBOOLA_STACK_URL, and the token variable"
        }
        if settings.bigquery == nil {
            reasons[BigQueryConnector.sourceName] =
                "BigQuery is not configured: set bigquery.project in instance.yaml or BIGQUERY_PROJECT, and "
                + "GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"
        }
        return reasons
    }

    /// Why this server cannot run `table` as registered, beyond what the registry itself checks (`nil` when it can):
    /// what depends on this installation, such as a DuckDB extension a remote table needs. Checked when an admin
    /// registers or changes a table.
    public static func refusal(for table: RegisteredTable, settings: ConnectorSettings) -> String? {
        if table.sourceType == BigQueryConnector.sourceName && table.queryMode == .remote {
            if table.sourceQuery != nil {
                return "source_query needs query_mode local for bigquery tables (the query's result is materialised)"
            }
            if !BigQueryExtension.isInstalled(environment: settings.environment) {
                return BigQueryExtension.missing(environment: settings.environment)
            }
        }
        return nil
    }
}
