import AnalystCore
import Foundation

/// Where BigQuery's REST API is, which project runs the queries and where the service-account key is (reference
/// §8.1: `bigquery.project` / `bigquery.project_id` / `BIGQUERY_PROJECT`, `bigquery.location` / `BIGQUERY_LOCATION`).
/// The key file is read when a run needs a token, never stored or logged.
public struct BigQuerySettings: Sendable, Equatable {
    public static let defaultCredentialsVariable = "GOOGLE_APPLICATION_CREDENTIALS"
    public static let defaultAPIText = "https://bigquery.googleapis.com"
    /// The OAuth scope asked for: reading tables and running queries, nothing that writes.
    public static let scope = "https://www.googleapis.com/auth/bigquery.readonly"

    /// The API's base URL (`bigquery.api_url`), e.g. `https://bigquery.googleapis.com`.
    public var apiURL: URL
    /// The project the queries run in (and bill to); a table's dataset is read from it.
    public var project: String
    /// The location (region) of the datasets, e.g. `EU`; `nil` lets BigQuery choose.
    public var location: String?
    /// The environment variable naming the service-account key file.
    public var credentialsVariable = BigQuerySettings.defaultCredentialsVariable
    /// Rows asked for per page of results (`maxResults`).
    public var pageSize = 10_000
    /// How long a query may run before the table fails.
    public var queryDeadline: Duration = .seconds(3600)
    /// How long one `jobs.query` / `getQueryResults` call waits for the job (`timeoutMs`).
    public var pollWait: Duration = .seconds(10)
    /// How many times a 429, 5xx or `rateLimitExceeded` answer is retried (with backoff) before the table fails.
    public var retries = 4
    /// The first backoff; it doubles per retry (up to 30 s) unless the peer sends `Retry-After`.
    public var retryBackoff: Duration = .milliseconds(250)
    /// A cached access token is renewed this long before it expires.
    public var tokenRenewalMargin: Duration = .seconds(60)

    public init(apiURL: URL, project: String, location: String? = nil) {
        self.apiURL = apiURL
        self.project = project
        self.location = location
    }

    /// The `bigquery` section (or `BIGQUERY_PROJECT`); `nil` when no project is set.
    static func resolve(instance: InstanceConfig, environment: [String: String]) throws(ConnectorSettingsError)
        -> BigQuerySettings?
    {
        func first(_ candidates: [(String, String?)]) -> (key: String, value: String)? {
            for (key, value) in candidates {
                if let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return (key, value) }
            }
            return nil
        }
        guard
            let project = first([
                ("bigquery.project", instance.string("bigquery.project")),
                ("bigquery.project_id", instance.string("bigquery.project_id")),
                ("data_source.bigquery.project", instance.string("data_source.bigquery.project")),
                ("BIGQUERY_PROJECT", environment["BIGQUERY_PROJECT"]),
            ])
        else { return nil }
        guard BigQuerySettings.isProjectID(project.value) else {
            throw ConnectorSettingsError(
                "\(project.key) \"\(project.value)\" is not a Google Cloud project id (letters, digits, -, and optionally a domain: prefix)"
            )
        }
        let apiText = instance.string("bigquery.api_url").flatMap { $0.isEmpty ? nil : $0 } ?? BigQuerySettings.defaultAPIText
        var settings = BigQuerySettings(apiURL: try ServiceURL.parse(apiText, key: "bigquery.api_url"), project: project.value)
        if let location = first([
            ("bigquery.location", instance.string("bigquery.location")),
            ("data_source.bigquery.location", instance.string("data_source.bigquery.location")),
            ("BIGQUERY_LOCATION", environment["BIGQUERY_LOCATION"]),
        ]) {
            guard BigQuerySettings.isLocation(location.value) else {
                throw ConnectorSettingsError("\(location.key) \"\(location.value)\" is not a BigQuery location such as EU or europe-west1")
            }
            settings.location = location.value
        }
        if let variable = instance.string("bigquery.credentials_env"), !variable.isEmpty {
            guard EnvironmentName.isValid(variable) else {
                throw ConnectorSettingsError("bigquery.credentials_env \"\(variable)\" is not \(EnvironmentName.rule)")
            }
            settings.credentialsVariable = variable
        }
        if let rows = instance.int("bigquery.page_rows") {
            guard (1...100_000).contains(rows) else {
                throw ConnectorSettingsError("bigquery.page_rows must be between 1 and 100000, got \(rows)")
            }
            settings.pageSize = rows
        }
        if let seconds = instance.int("bigquery.query_timeout_seconds") {
            guard seconds >= 1 else { throw ConnectorSettingsError("bigquery.query_timeout_seconds must be at least 1, got \(seconds)") }
            settings.queryDeadline = .seconds(seconds)
        }
        return settings
    }

    /// A project id (`my-project-123`, or a domain-scoped `example.com:my-project`): it goes into URL paths and
    /// backtick-quoted SQL names, so only these characters pass.
    static func isProjectID(_ text: String) -> Bool {
        guard (1...128).contains(text.count) else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-.:_".unicodeScalars.contains(scalar))
        }
    }

    static func isLocation(_ text: String) -> Bool {
        (1...64).contains(text.count)
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
    }
}
