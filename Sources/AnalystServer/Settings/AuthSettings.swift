import AnalystCore

/// `auth.*` and the sign-in secrets from the environment. The defaults live here only.
public struct AuthSettings: Sendable {
    /// The HS256 secret for access tokens (`JWT_SECRET_KEY`); `nil` only in development mode, where a generated
    /// secret is kept in `DATA_DIR/state/jwt-secret`.
    public var jwtSecret: String?
    /// How long an access token is valid (`auth.jwt_lifetime_hours`).
    public var tokenLifetime: Duration = .seconds(24 * 3600)
    /// Google (OpenID Connect) sign-in; `nil` when not configured.
    public var oidc: OIDCSettings?
    /// An admin to create at start if missing (`SEED_ADMIN_EMAIL`, optional `SEED_ADMIN_PASSWORD`).
    public var seedAdmin: (email: String, password: String?)?

    public init(
        jwtSecret: String? = nil, tokenLifetime: Duration = .seconds(24 * 3600), oidc: OIDCSettings? = nil,
        seedAdmin: (email: String, password: String?)? = nil
    ) {
        self.jwtSecret = jwtSecret
        self.tokenLifetime = tokenLifetime
        self.oidc = oidc
        self.seedAdmin = seedAdmin
    }

    /// The `auth` scope of `instance.yaml` and the environment's secrets; outside development mode a token secret of
    /// at least 32 characters is required.
    static func resolve(_ instance: InstanceConfig, environment: [String: String], developmentMode: Bool) throws -> AuthSettings {
        func nonEmpty(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        var settings = AuthSettings()
        settings.jwtSecret = nonEmpty("JWT_SECRET_KEY")
        if settings.jwtSecret == nil && !developmentMode {
            throw LaunchError.invalidSetting(
                "JWT_SECRET_KEY is not set: set it to a long random secret (for example `openssl rand -hex 32`), "
                    + "or start with --dev to use a generated development secret")
        }
        if let secret = settings.jwtSecret, secret.utf8.count < 32, !developmentMode {
            throw LaunchError.invalidSetting("JWT_SECRET_KEY is too short: use at least 32 characters")
        }
        if let hours = instance.int("auth.jwt_lifetime_hours") {
            guard hours >= 1 else { throw LaunchError.invalidSetting("auth.jwt_lifetime_hours must be at least 1, got \(hours)") }
            settings.tokenLifetime = .seconds(hours * 3600)
        }
        settings.oidc = try OIDCSettings.resolve(instance: instance, environment: environment)
        settings.seedAdmin = nonEmpty("SEED_ADMIN_EMAIL").map { ($0, nonEmpty("SEED_ADMIN_PASSWORD")) }
        return settings
    }
}
