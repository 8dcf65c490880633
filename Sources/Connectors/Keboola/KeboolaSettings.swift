import AnalystCore
import Foundation

/// Where Keboola's Storage API is and which environment variable holds its token (reference §8.1: `keboola.url`,
/// `keboola.token_env`; `KEBOOLA_STACK_URL` alone is enough). The token itself is read at each run, never stored.
public struct KeboolaSettings: Sendable, Equatable {
    public static let defaultTokenVariable = "KEBOOLA_STORAGE_TOKEN"

    /// The stack's base URL, e.g. `https://connection.keboola.com`.
    public var url: URL
    public var tokenVariable: String
    /// How often an export job is polled at first (doubling up to `maximumPollInterval`), and how long a job may take.
    public var pollInterval: Duration = .milliseconds(250)
    public var maximumPollInterval: Duration = .seconds(10)
    public var jobDeadline: Duration = .seconds(3600)
    /// How many times a 429 or 5xx answer is retried (with backoff) before the table fails.
    public var retries = 4

    public init(url: URL, tokenVariable: String = KeboolaSettings.defaultTokenVariable) {
        self.url = url
        self.tokenVariable = tokenVariable
    }

    /// A client with the token from `environment`, or why there is none.
    func client(environment: [String: String]) -> Result<KeboolaClient, ExtractError> {
        guard let token = environment[tokenVariable], !token.isEmpty else {
            return .failure(ExtractError("the Keboola token is missing: set the environment variable \(tokenVariable)"))
        }
        return .success(KeboolaClient(settings: self, token: token))
    }

    /// `keboola.url` (or `KEBOOLA_STACK_URL`); `nil` when neither is set.
    static func resolve(instance: InstanceConfig, environment: [String: String]) throws(ConnectorSettingsError)
        -> KeboolaSettings?
    {
        let candidates: [(String, String?)] = [
            ("keboola.url", instance.string("keboola.url")),
            ("KEBOOLA_STACK_URL", environment["KEBOOLA_STACK_URL"]),
        ]
        guard let (key, text) = candidates.first(where: { !($0.1 ?? "").isEmpty }), let text else { return nil }
        var settings = KeboolaSettings(url: try ServiceURL.parse(text, key: key))
        if let variable = instance.string("keboola.token_env"), !variable.isEmpty {
            guard EnvironmentName.isValid(variable) else {
                throw ConnectorSettingsError("keboola.token_env \"\(variable)\" is not \(EnvironmentName.rule)")
            }
            settings.tokenVariable = variable
        }
        if let seconds = instance.int("keboola.job_timeout_seconds") {
            guard seconds >= 1 else { throw ConnectorSettingsError("keboola.job_timeout_seconds must be at least 1, got \(seconds)") }
            settings.jobDeadline = .seconds(seconds)
        }
        return settings
    }
}
