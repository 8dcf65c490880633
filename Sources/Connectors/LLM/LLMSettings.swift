import AnalystCore
import Foundation

/// Which language model extracts structured data (corporate memory, catalog enrichment) and how it is reached, from
/// `instance.yaml`'s `ai:` section (reference §5.4).
///
/// The API key is read from the environment variable `ai.api_key_env` names (default `ANTHROPIC_API_KEY` or
/// `OPENAI_API_KEY`). The reference's `ai.api_key` (and legacy `ai.anthropic_api_key`) is accepted only as a `${VAR}`
/// reference: a key written into the file itself stops the start. The key is kept here only to be sent; `description`
/// and every message show the provider, the model and the URL's `scheme://host`, never the key.
public struct LLMSettings: Sendable {
    /// The wire protocol spoken to the model.
    public enum Provider: String, Sendable, CaseIterable {
        /// Anthropic's Messages API (`POST /v1/messages`) with `output_config` JSON-schema output.
        case anthropic
        /// An OpenAI-compatible Chat Completions API (`POST {base_url}/chat/completions`): OpenAI, vLLM, Ollama, LiteLLM…
        case openAICompat = "openai_compat"
    }

    /// How an OpenAI-compatible server is asked for JSON, from the strictest mode down (`ai.structured_output`).
    public enum StructuredOutput: String, Sendable, CaseIterable {
        /// `response_format: json_schema` only; a server without it is an error.
        case strict
        /// `json_schema`, then `json_object`.
        case json
        /// `json_schema`, then `json_object`, then plain text parsed leniently.
        case auto
    }

    public static let defaultAnthropicModel = "claude-haiku-4-5-20251001"
    public static let defaultAnthropicBaseURL = "https://api.anthropic.com"

    public var provider: Provider
    public var model: String
    /// The API's root: `https://api.anthropic.com` (requests go to `/v1/messages` under it), or for `openai_compat`
    /// the root the OpenAI SDK takes, usually ending in `/v1` (requests go to `/chat/completions` under it, with no
    /// `/v1` added).
    public var baseURL: URL
    /// The secret sent as `x-api-key` or `Authorization: Bearer`.
    public var apiKey: String
    /// The environment variable the key came from, for messages that say what to fix.
    public var apiKeyVariable: String
    /// Ignored by `anthropic`, which always asks for JSON-schema output.
    public var structuredOutput: StructuredOutput = .auto
    /// How long one request may take (`ai.timeout_seconds`, default 120 s).
    public var timeout: Duration = .seconds(120)
    /// Attempts in all for a call that is rate limited or times out (`ai.retries`, default 3 as in the reference).
    public var attempts = 3

    public init(provider: Provider, model: String, baseURL: URL, apiKey: String, apiKeyVariable: String? = nil) {
        self.provider = provider
        self.model = model
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.apiKeyVariable = apiKeyVariable ?? LLMSettings.defaultKeyVariable(for: provider)
    }

    /// Whether there is a key to send.
    public var isConfigured: Bool { !apiKey.isEmpty }

    /// `scheme://host` of the base URL: all of it that logs and messages show.
    public var origin: String { LLMSettings.origin(of: baseURL) }

    static func origin(of url: URL) -> String {
        "\(url.scheme?.lowercased() ?? "https")://\(url.host ?? "?")"
    }

    public static func defaultKeyVariable(for provider: Provider) -> String {
        switch provider {
        case .anthropic: "ANTHROPIC_API_KEY"
        case .openAICompat: "OPENAI_API_KEY"
        }
    }

    /// The `ai:` section; `nil` when neither `ai.provider` nor the legacy `ai.anthropic_api_key` is set (no LLM).
    /// Throws `ConnectorSettingsError` naming the key that is wrong and what to set instead.
    public static func resolve(instance: InstanceConfig, environment: [String: String]) throws(ConnectorSettingsError) -> LLMSettings? {
        func text(_ key: String) -> String? {
            instance.string(key).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let legacyKey = text("ai.anthropic_api_key")
        let provider: Provider
        if let name = text("ai.provider") {
            guard let known = Provider(rawValue: name.lowercased()) else {
                let choices = Provider.allCases.map(\.rawValue).joined(separator: " or ")
                throw ConnectorSettingsError(
                    "ai.provider \"\(name)\" is not a known provider; use \(choices), or remove it to turn the LLM off")
            }
            provider = known
        } else if legacyKey != nil {
            provider = .anthropic
        } else {
            return nil
        }

        let variable = try keyVariable(
            instance: instance, environment: environment, provider: provider,
            written: text("ai.api_key").map { ("ai.api_key", $0) }
                ?? legacyKey.map { ("ai.anthropic_api_key", $0) })
        guard let key = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty else {
            throw ConnectorSettingsError(
                "ai.provider is \(provider.rawValue) but the environment variable \(variable) (the API key) is unset or empty; "
                    + "set it, name another variable in ai.api_key_env, or remove ai.provider to turn the LLM off")
        }

        let model: String
        if let name = text("ai.model") {
            model = name
        } else if provider == .anthropic {
            model = defaultAnthropicModel
        } else {
            throw ConnectorSettingsError(
                "ai.model is required for ai.provider openai_compat: the model name the server serves, e.g. llama3.1:8b")
        }

        let baseURL: URL
        if let base = text("ai.base_url") {
            baseURL = try ServiceURL.parse(base, key: "ai.base_url")
        } else if provider == .anthropic, let url = URL(string: defaultAnthropicBaseURL) {
            baseURL = url
        } else {
            throw ConnectorSettingsError(
                "ai.base_url is required for ai.provider openai_compat: the API root, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1"
            )
        }

        var settings = LLMSettings(provider: provider, model: model, baseURL: baseURL, apiKey: key, apiKeyVariable: variable)
        if let mode = text("ai.structured_output") {
            guard let known = StructuredOutput(rawValue: mode.lowercased()) else {
                throw ConnectorSettingsError("ai.structured_output \"\(mode)\" must be strict, json or auto")
            }
            settings.structuredOutput = known
        }
        if let seconds = try integer(instance, "ai.timeout_seconds", in: 1...600) {
            settings.timeout = .seconds(seconds)
        }
        if let attempts = try integer(instance, "ai.retries", in: 1...10) {
            settings.attempts = attempts
        }
        if instance.bool("ai.verify_ssl") == false {
            // The reference could turn certificate checks off; a key sent to an unverified peer is a key given away.
            throw ConnectorSettingsError(
                "ai.verify_ssl: false is not supported (certificates are always verified); "
                    + "add the server's CA to the system trust store, or use http:// on a loopback address")
        }
        return settings
    }

    /// The variable holding the key: `ai.api_key_env`, else the one a `${VAR}` reference in `written` named, else the
    /// provider's default. A key written into the file is refused even when `ai.api_key_env` is set.
    private static func keyVariable(
        instance: InstanceConfig, environment: [String: String], provider: Provider, written: (key: String, value: String)?
    ) throws(ConnectorSettingsError) -> String {
        var variable = defaultKeyVariable(for: provider)
        if let written {
            // `${VAR}` references are substituted at load; the variable holding this value tells them apart from a
            // key written into the file, which would sit in a config file and its backups.
            guard
                let name = environment.filter({ $0.value.trimmingCharacters(in: .whitespacesAndNewlines) == written.value }).keys.sorted()
                    .first
            else {
                throw ConnectorSettingsError(
                    "\(written.key) must be a ${VARIABLE} reference, not the key itself; or set ai.api_key_env to the variable holding it")
            }
            variable = name
        }
        if let name = instance.string("ai.api_key_env")?.trimmingCharacters(in: .whitespaces), !name.isEmpty {
            guard EnvironmentName.isValid(name) else {
                throw ConnectorSettingsError("ai.api_key_env \"\(name)\" is not \(EnvironmentName.rule)")
            }
            variable = name
        }
        return variable
    }

    private static func integer(_ instance: InstanceConfig, _ key: String, in range: ClosedRange<Int>) throws(ConnectorSettingsError)
        -> Int?
    {
        guard let value = instance.root.value(at: key), value != .null, value != .string("") else { return nil }
        guard let number = instance.int(key), range.contains(number) else {
            throw ConnectorSettingsError(
                "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(instance.string(key) ?? "a list or mapping")\""
            )
        }
        return number
    }
}

extension LLMSettings: CustomStringConvertible, CustomReflectable {
    /// Provider, model and `scheme://host`; never the key.
    public var description: String { "\(provider.rawValue) model \(model) at \(origin)" }

    /// What `dump` and debuggers show: everything but the key.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "provider": provider, "model": model, "origin": origin, "apiKeyVariable": apiKeyVariable,
                "structuredOutput": structuredOutput, "timeout": timeout, "attempts": attempts,
            ])
    }
}
