import AnalystCore
import Connectors
import DuckDB
import Logging
import Messaging

/// The long-lived parts of a running server: its data directory, databases, identity services and
/// configuration. Controllers receive what they need from here through their initialisers.
public final class ServerDependencies: Sendable {
    public let configuration: ServerConfiguration
    public let system: SystemDatabase
    public let analytics: AnalyticsDatabase
    /// Rebuilds `server.duckdb` from the extracts.
    public let orchestrator: Orchestrator
    /// What is published now (`sync_state`).
    public let syncState: SyncStateStore
    /// The manifest, prepared per change.
    public let manifest = SyncManifest()
    /// Background sync runs (extract → rebuild → publish).
    public let syncJobs: SyncJobs
    public let users: UserRepository
    public let passwords: PasswordHasher
    public let accessTokens: PersonalAccessTokens
    public let audit: AuditLog
    public let permissions: Permissions
    public let registry: TableRegistry
    public let links: SignInLinks
    public let mailer: Mailer
    /// The one access rule every data endpoint uses.
    public let accessPolicy: AccessPolicy
    let tokens: TokenService
    /// 10 failed logins per email or client address in 15 minutes.
    let loginLimiter = RateLimiter(limit: 10, window: .seconds(15 * 60))
    /// Sign-in links (each one an email sent): 5 per email and 20 per client address in 15 minutes.
    let linkLimiters = (
        perEmail: RateLimiter(limit: 5, window: .seconds(15 * 60)),
        perAddress: RateLimiter(limit: 20, window: .seconds(15 * 60))
    )
    /// Google sign-in; `nil` when not configured.
    let oidcProvider: OIDCProvider?
    let pendingSignIns = PendingSignIns()
    public let logger: Logger

    private init(
        configuration: ServerConfiguration, system: SystemDatabase, analytics: AnalyticsDatabase,
        orchestrator: Orchestrator, tokens: TokenService, logger: Logger
    ) {
        self.orchestrator = orchestrator
        self.syncState = SyncStateStore(system: system)
        let connectors: [any Connector] = [FilesSource(directory: configuration.dataDirectory)]
        let publication = Publication(
            manifest: manifest, syncState: syncState, system: system, directory: configuration.dataDirectory,
            profiles: TableProfiles(
                system: system, directory: configuration.dataDirectory, options: configuration.profilerOptions, logger: logger),
            registry: TableRegistry(system: system), logger: logger)
        self.syncJobs = SyncJobs(
            orchestrator: orchestrator, analytics: analytics, logger: logger,
            extract: { tables in
                var errors: [String: String] = [:]
                for connector in connectors {
                    errors.merge(await connector.extract(tables: tables)) { first, _ in first }
                }
                return errors
            },
            onPublished: { _ in
                do {
                    try await publication.refreshManifest()
                    return [:]
                } catch {
                    logger.error("could not refresh the manifest", metadata: ["error": "\(error)"])
                    return ["manifest": "\(error)"]
                }
            },
            refreshProfiles: { await publication.refreshProfiles() })
        self.configuration = configuration
        self.system = system
        self.analytics = analytics
        self.users = UserRepository(system: system)
        self.passwords = PasswordHasher()
        self.accessTokens = PersonalAccessTokens(system: system)
        self.audit = AuditLog(system: system)
        self.permissions = Permissions(system: system)
        self.registry = TableRegistry(system: system)
        self.links = SignInLinks(system: system)
        self.mailer = Mailer(settings: configuration.mail)
        self.accessPolicy = AccessPolicy(system: system)
        self.tokens = tokens
        self.oidcProvider = configuration.oidc.map { OIDCProvider(settings: $0) }
        self.logger = logger
    }

    /// Prepares the data directory, opens (and migrates) the databases and loads the token secret.
    public static func open(configuration: ServerConfiguration, logger: Logger) async throws -> ServerDependencies {
        let directory = configuration.dataDirectory
        try directory.prepare()
        let secret: String
        if let configured = configuration.jwtSecret {
            secret = configured
        } else if configuration.developmentMode {
            secret = try DevelopmentSecret.loadOrCreate(at: directory.state.appendingPathComponent("jwt-secret").path)
            logger.warning("using the generated development JWT secret in state/jwt-secret")
        } else {
            throw LaunchError.invalidSetting("JWT_SECRET_KEY is not set (or start with --dev)")
        }
        let duckDB = Database.Configuration(
            threads: configuration.duckDBThreads, memoryLimit: configuration.duckDBMemoryLimit,
            extensionDirectory: configuration.extensionDirectory)
        let system = try SystemDatabase(path: directory.systemDatabase.path, configuration: duckDB, logger: logger)
        let attacher = ExtractAttacher(extracts: directory.extracts, environment: configuration.environment)
        let orchestrator = Orchestrator(
            directory: directory, system: system, attacher: attacher, extensionDirectory: configuration.extensionDirectory,
            logger: logger)
        // The extracts may have changed while the server was down: rebuild before the query side opens the file,
        // so it is opened once, already current.
        let report = try await orchestrator.rebuild()
        for (source, error) in report.sourceErrors {
            logger.error("a source could not be published", metadata: ["source": "\(source)", "error": "\(error)"])
        }
        var queryDuckDB = duckDB
        queryDuckDB.memoryLimit = configuration.queryMemoryLimit ?? configuration.duckDBMemoryLimit
        let analytics = try AnalyticsDatabase(
            path: directory.analyticsDatabase.path, poolSize: configuration.queryPoolSize, configuration: queryDuckDB,
            attacher: attacher, drainPeriod: configuration.queryTimeout + .seconds(30), logger: logger)
        let tokens = await TokenService(secret: secret, lifetime: configuration.tokenLifetime)
        let dependencies = ServerDependencies(
            configuration: configuration, system: system, analytics: analytics, orchestrator: orchestrator, tokens: tokens,
            logger: logger)
        if let seed = configuration.seedAdmin {
            try await dependencies.seedAdmin(email: seed.email, password: seed.password)
        }
        await dependencies.syncJobs.announce(report)
        return dependencies
    }

    /// Creates the `SEED_ADMIN_EMAIL` admin when no user has that email yet.
    private func seedAdmin(email: String, password: String?) async throws {
        guard try await users.find(email: email) == nil else { return }
        let hash: String?
        do {
            hash = try await password.asyncMap(passwords.hashNewPassword)
        } catch let error as PasswordError {
            throw LaunchError.invalidSetting("SEED_ADMIN_PASSWORD: \(error.description)")
        }
        do {
            let user = try await users.create(email: email, name: "Admin", role: .admin, passwordHash: hash)
            logger.info("created the seed admin", metadata: ["email": "\(user.email)"])
        } catch let error as IdentityError {
            throw LaunchError.invalidSetting("SEED_ADMIN_EMAIL: \(error.description)")
        }
    }

    /// Closes the databases after their running work finishes.
    public func close() async {
        await analytics.close()
        await system.close()
    }
}
