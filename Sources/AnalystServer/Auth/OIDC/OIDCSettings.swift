import AnalystCore
import Foundation

/// Sign-in with Google (or any OpenID Connect provider), from `auth.google_client_id`,
/// `auth.google_client_secret`, `auth.google_discovery_url` and `auth.allowed_domain`; the environment variables
/// `GOOGLE_CLIENT_ID`, `GOOGLE_CLIENT_SECRET` and `GOOGLE_DISCOVERY_URL` win over the file.
public struct OIDCSettings: Sendable, Equatable {
    public static let googleDiscoveryURL = "https://accounts.google.com/.well-known/openid-configuration"

    public var clientID: String
    public var clientSecret: String
    /// The provider's discovery document (`/.well-known/openid-configuration`).
    public var discoveryURL: String
    /// Lower-cased email domains allowed to sign in; empty allows every domain.
    public var allowedDomains: [String]
    /// The longest one request to the provider may take (connection attempts included).
    public var requestTimeout: Duration = .seconds(10)

    public init(clientID: String, clientSecret: String, discoveryURL: String = googleDiscoveryURL, allowedDomains: [String] = []) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.discoveryURL = discoveryURL
        self.allowedDomains = allowedDomains.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// The settings from configuration; `nil` (Google sign-in off) when no client id is configured.
    static func resolve(instance: InstanceConfig, environment: [String: String]) throws -> OIDCSettings? {
        func value(_ variable: String, _ key: String) -> String? {
            if let text = environment[variable], !text.isEmpty { return text }
            return instance.string(key).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let clientID = value("GOOGLE_CLIENT_ID", "auth.google_client_id") else { return nil }
        guard let clientSecret = value("GOOGLE_CLIENT_SECRET", "auth.google_client_secret") else {
            throw LaunchError.invalidSetting(
                "GOOGLE_CLIENT_ID is set but GOOGLE_CLIENT_SECRET (auth.google_client_secret) is not: set both, or neither")
        }
        let discoveryURL = value("GOOGLE_DISCOVERY_URL", "auth.google_discovery_url") ?? googleDiscoveryURL
        guard OIDCSettings.isAcceptableEndpoint(discoveryURL) else {
            throw LaunchError.invalidSetting(
                "auth.google_discovery_url must be an https URL (http only for localhost), got \"\(discoveryURL)\"")
        }
        let domains = (instance.stringList("auth.allowed_domain") ?? []).flatMap { $0.split(separator: ",").map(String.init) }
        return OIDCSettings(clientID: clientID, clientSecret: clientSecret, discoveryURL: discoveryURL, allowedDomains: domains)
    }

    /// Whether an address may sign in under `allowedDomains`.
    func allows(email: String) -> Bool {
        guard !allowedDomains.isEmpty else { return true }
        guard let at = email.lastIndex(of: "@") else { return false }
        return allowedDomains.contains(email[email.index(after: at)...].lowercased())
    }

    /// Provider endpoints must be https; plain http is accepted only on the loopback interface (tests, local IdPs).
    static func isAcceptableEndpoint(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else {
            return false
        }
        if scheme == "https" { return true }
        return scheme == "http" && ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host)
    }
}
