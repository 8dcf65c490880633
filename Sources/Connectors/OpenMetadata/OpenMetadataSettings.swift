import AnalystCore
import Foundation

/// Where the OpenMetadata catalog is, how its token is found and how each registered table maps to a catalog entity
/// (reference §5.5, §8.1: `openmetadata.url`, `openmetadata.token`, `cache_ttl_seconds`, `catalog_fqn`).
///
/// The token is read from the environment variable `token_env` names (default `OPENMETADATA_TOKEN`). The
/// reference's `openmetadata.token` is accepted only when it is a `${VAR}` reference: a token written into
/// `instance.yaml` itself is refused at start. A table's entity is `tables.<table id>` when configured (the
/// reference's per-table `catalog_fqn`), else `fqn_prefix` + the table id (the reference's `bigquery.<table_id>`).
public struct OpenMetadataSettings: Sendable, Equatable {
    public static let defaultTokenVariable = "OPENMETADATA_TOKEN"
    public static let defaultFQNPrefix = "bigquery."

    /// The catalog's base URL, e.g. `https://catalog.example.com` (the API is under `/api/v1`).
    public var url: URL
    /// The environment variable holding the bot or personal access token (a JWT).
    public var tokenVariable: String
    /// How long a fetched table description is fresh; the catalog is asked again after that (default one hour).
    public var cacheTTL: Duration = .seconds(3600)
    /// How long one request to the catalog may take before it counts as failed.
    public var timeout: Duration = .seconds(5)
    /// Put before a table id to make its fully qualified name when `tables` has no entry for it.
    public var fqnPrefix: String = OpenMetadataSettings.defaultFQNPrefix
    /// Table id → fully qualified name of its catalog entity (`openmetadata.tables`).
    public var fqnOverrides: [String: String] = [:]
    /// Whether metric definitions are written to `docs/metrics/` (`openmetadata.export_metrics`, default on).
    public var exportMetrics = true

    public init(url: URL, tokenVariable: String = OpenMetadataSettings.defaultTokenVariable) {
        self.url = url
        self.tokenVariable = tokenVariable
    }

    /// The fully qualified name of table `id`'s catalog entity.
    public func fqn(for id: String) -> String {
        fqnOverrides[id] ?? fqnPrefix + id
    }

    /// The token from `environment`; `nil` when the variable is unset or empty.
    public func token(environment: [String: String]) -> String? {
        guard let token = environment[tokenVariable], !token.isEmpty else { return nil }
        return token
    }

    /// `openmetadata.url` (or `OPENMETADATA_URL`); `nil` when neither is set, so the catalog is simply not enriched.
    static func resolve(instance: InstanceConfig, environment: [String: String]) throws(ConnectorSettingsError)
        -> OpenMetadataSettings?
    {
        let candidates: [(String, String?)] = [
            ("openmetadata.url", instance.string("openmetadata.url")),
            ("OPENMETADATA_URL", environment["OPENMETADATA_URL"]),
        ]
        guard let (key, text) = candidates.first(where: { !($0.1 ?? "").isEmpty }), let text else { return nil }
        var settings = OpenMetadataSettings(url: try ServiceURL.parse(text, key: key))
        if let token = instance.string("openmetadata.token"), !token.isEmpty {
            // The file's `${VAR}` references are already substituted; the variable whose value this is tells them
            // apart from a token written into the file, which is refused (it would sit in a config file and in backups).
            guard let variable = environment.filter({ $0.value == token }).keys.sorted().first else {
                throw ConnectorSettingsError(
                    "openmetadata.token must be a ${VARIABLE} reference, not the token itself; "
                        + "or set openmetadata.token_env to the variable holding it")
            }
            settings.tokenVariable = variable
        }
        if let variable = instance.string("openmetadata.token_env"), !variable.isEmpty {
            guard EnvironmentName.isValid(variable) else {
                throw ConnectorSettingsError("openmetadata.token_env \"\(variable)\" is not \(EnvironmentName.rule)")
            }
            settings.tokenVariable = variable
        }
        if let seconds = instance.int("openmetadata.cache_ttl_seconds") {
            guard seconds >= 1 else {
                throw ConnectorSettingsError("openmetadata.cache_ttl_seconds must be at least 1, got \(seconds)")
            }
            settings.cacheTTL = .seconds(seconds)
        }
        if let seconds = instance.int("openmetadata.timeout_seconds") {
            guard (1...120).contains(seconds) else {
                throw ConnectorSettingsError("openmetadata.timeout_seconds must be between 1 and 120, got \(seconds)")
            }
            settings.timeout = .seconds(seconds)
        }
        if let prefix = instance.string("openmetadata.fqn_prefix") {
            settings.fqnPrefix = prefix
        }
        if let export = instance.bool("openmetadata.export_metrics") {
            settings.exportMetrics = export
        }
        if case .mapping(let pairs)? = instance.root.value(at: "openmetadata.tables") {
            for (table, value) in pairs {
                guard let fqn = value.stringValue?.trimmingCharacters(in: .whitespaces), !fqn.isEmpty else {
                    throw ConnectorSettingsError("openmetadata.tables.\(table) must be the table's fully qualified name in OpenMetadata")
                }
                settings.fqnOverrides[table] = fqn
            }
        }
        return settings
    }
}
