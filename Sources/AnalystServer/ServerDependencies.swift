import AnalystCore
import Connectors
import DuckDB
import Logging
import Messaging

/// The databases and the repositories over them: opened at start, closed last (by `DatabaseService`).
public struct DataStores: Sendable {
    public let system: SystemDatabase
    public let analytics: AnalyticsDatabase
    /// Rebuilds `server.duckdb` from the extracts.
    public let orchestrator: Orchestrator
    /// What is published now (`sync_state`).
    public let syncState: SyncStateStore
    /// What each sync run did to each table (`sync_history`).
    public let syncHistory: SyncHistory
    /// The manifest, prepared per change.
    public let manifest = SyncManifest()
    public let registry: TableRegistry
    public let users: UserRepository
    public let accessTokens: PersonalAccessTokens
    public let permissions: Permissions
    public let links: SignInLinks
    /// The one access rule every data endpoint uses.
    public let accessPolicy: AccessPolicy
    /// Corporate memory: items, votes, governance, search.
    public let knowledge: KnowledgeStore

    init(system: SystemDatabase, analytics: AnalyticsDatabase, orchestrator: Orchestrator, memory: MemorySettings = .init()) {
        self.system = system
        self.analytics = analytics
        self.orchestrator = orchestrator
        self.syncState = SyncStateStore(system: system)
        self.syncHistory = SyncHistory(system: system)
        self.registry = TableRegistry(system: system)
        self.users = UserRepository(system: system)
        self.accessTokens = PersonalAccessTokens(system: system)
        self.permissions = Permissions(system: system)
        self.links = SignInLinks(system: system)
        self.accessPolicy = AccessPolicy(system: system)
        self.knowledge = KnowledgeStore(system: system, approvingUpvotes: memory.approvingUpvotes)
    }
}

/// This process's sign-in machinery: password hashing, token signing, rate limits, Google sign-in. Lives in memory;
/// a restart resets the limits and pending Google sign-ins.
public struct SignInServices: Sendable {
    public let passwords = PasswordHasher()
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
}

/// Work the server's background services run while it serves: sync jobs and their schedule, the audit buffer,
/// outgoing mail. Request handlers only hand work to these.
public struct BackgroundWork: Sendable {
    /// Background sync runs (extract → rebuild → publish).
    public let syncJobs: SyncJobs
    /// `nil` when the in-server scheduler is off (`sync.schedule_check_seconds: 0`).
    public let scheduler: SyncScheduler?
    public let audit: AuditLog
    /// Sends mail and says how it went (setup links answer with the outcome).
    public let mailer: Mailer
    /// Mail nobody waits for (sign-in links), sent by `MailOutboxService`.
    public let outbox: MailOutbox
    /// OpenMetadata enrichment of the catalog, refreshed by `CatalogService`; `nil` when not configured.
    public let catalog: CatalogEnricher?
    /// Applies Jira webhook events (queued durably under the Jira source's folder) to the `jira_*` tables.
    public let jira: JiraProcessor
    /// Turns analysts' notes into corporate-memory items (scheduled, and `POST /api/memory/admin/collect`).
    public let memory: MemoryCollector
    /// Runs analysts' scripts in the sandbox (on demand and on their schedules) and delivers their notifications.
    public let scripts: ScriptRunner
    /// The Telegram bot; `nil` without `TELEGRAM_BOT_TOKEN`.
    public let telegram: TelegramServices?
    /// Links between users and Telegram chats (also without a bot: the API answers "not linked").
    public let telegramLinks: TelegramLinks
    /// The WebSocket connections notifications are pushed to (`/ws/notifications`).
    let notificationHub: NotificationHub

    /// Jira webhook events received and not applied yet.
    public var jiraEvents: JiraEventQueue { jira.queue }
}

/// Everything a running server holds, by lifecycle: its configuration, the stores, the sign-in machinery, the
/// background work and the page templates. Controllers receive what they need through their initialisers.
public final class ServerDependencies: Sendable {
    public let configuration: ServerConfiguration
    public let logger: Logger
    public let stores: DataStores
    public let signIn: SignInServices
    public let background: BackgroundWork
    /// The HTML pages' templates, static files and branding, loaded and checked once at start.
    let web: WebUI
    /// Refreshes the manifest cache from `sync_state`, docs and profiles.
    let publication: Publication
    /// The rebuild queued at start; until it has published, the server serves the epoch published before the start
    /// (`syncJobs.isStarting`, health `starting`, `/api/health/ready` 503).
    public let startupJob: SyncJob
    /// The manifests and profiles bundles the sync routes keep as bytes (emptied when unused: `BodyReleaseService`).
    let syncBodies = SyncBodies()

    private init(
        configuration: ServerConfiguration, stores: DataStores, tokens: TokenService, web: WebUI, logger: Logger
    ) {
        let history = stores.syncHistory
        let extraction = Extraction(
            connectors: SourceConnectors.make(
                settings: configuration.connectors, directory: configuration.dataDirectory, logger: logger),
            unconfigured: SourceConnectors.unconfigured(settings: configuration.connectors), registry: stores.registry,
            logger: logger)
        let publication = Publication(
            manifest: stores.manifest, syncState: stores.syncState, system: stores.system,
            directory: configuration.dataDirectory,
            profiles: TableProfiles(
                system: stores.system, directory: configuration.dataDirectory, options: configuration.profilerOptions,
                logger: logger),
            registry: stores.registry, logger: logger)
        let syncJobs = SyncJobs(
            orchestrator: stores.orchestrator, analytics: stores.analytics, history: history, logger: logger,
            extract: { tables in await extraction.run(tables) },
            onPublished: { _ in
                do {
                    try await publication.refreshManifest()
                    return [:]
                } catch {
                    logger.error("could not refresh the manifest", metadata: ["error": "\(error)"])
                    return ["manifest": "\(error)"]
                }
            },
            refreshProfiles: { only, giveWay in await publication.refreshProfiles(only: only, giveWay: giveWay) })
        let catalog = CatalogEnricher.make(
            settings: configuration.connectors, registry: stores.registry, directory: configuration.dataDirectory, logger: logger,
            onDocsChanged: {
                do {
                    try await publication.refreshManifest()
                } catch {
                    logger.error("could not refresh the manifest after the catalog docs changed", metadata: ["error": "\(error)"])
                }
            })
        let jiraSettings = configuration.connectors.jira
        let jira = JiraProcessor(
            settings: jiraSettings, store: JiraShardStore(data: configuration.dataDirectory, prefix: jiraSettings.tablePrefix),
            queue: JiraEventQueue(data: configuration.dataDirectory), logger: logger,
            publish: { profiles in
                // Only the rebuild: no connector runs (no table is asked for), the catalog picks up the new shards.
                let job = syncJobs.trigger(tables: [], profiles: profiles)
                _ = await syncJobs.wait(for: job.id)
            })
        var passes: [PeriodicPass] = []
        if jiraSettings.isConfigured {
            passes.append(PeriodicPass(name: "jira-sla-poll", every: jiraSettings.slaPollPeriod) { _ = await jira.pollOpenIssues() })
            passes.append(
                PeriodicPass(name: "jira-consistency", every: jiraSettings.consistencyPeriod) {
                    _ = await jira.reconcile(jql: jiraSettings.consistencyJQL)
                })
        }
        let memory = MemoryCollector(
            store: stores.knowledge, directory: configuration.dataDirectory,
            extractor: configuration.connectors.llm.map { LLMExtractors.make(settings: $0, logger: logger) },
            settings: configuration.memory, logger: logger)
        if let period = configuration.memory.collectPeriod, configuration.connectors.llm != nil {
            passes.append(PeriodicPass(name: "memory-collector", every: period) { _ = await memory.collect(trigger: "schedule") })
        }
        let scripts = ScriptRunner(
            store: ScriptStore(system: stores.system),
            sandbox: ScriptSandbox(
                virtualenv: configuration.scriptsVirtualenv,
                workRoot: configuration.dataDirectory.state.appendingPathComponent("script-runs", isDirectory: true),
                limits: configuration.scriptLimits),
            accessPolicy: stores.accessPolicy, manifest: stores.manifest, directory: configuration.dataDirectory, logger: logger)
        passes.append(
            PeriodicPass(name: "scripts", every: min(.seconds(20), configuration.scheduleCheckInterval ?? .seconds(20))) {
                await ScheduledScripts.runDue(runner: scripts, users: stores.users, logger: logger)
            })
        let notificationHub = NotificationHub()
        scripts.addSink(notificationHub)
        let telegramLinks = TelegramLinks(system: stores.system)
        let telegram = configuration.telegram.map {
            TelegramServices(settings: $0, links: telegramLinks, users: stores.users, runner: scripts, logger: logger)
        }
        let mailer = Mailer(settings: configuration.mail)
        self.configuration = configuration
        self.logger = logger
        self.stores = stores
        self.signIn = SignInServices(tokens: tokens, oidcProvider: configuration.auth.oidc.map { OIDCProvider(settings: $0) })
        self.background = BackgroundWork(
            syncJobs: syncJobs,
            scheduler: configuration.scheduleCheckInterval.map {
                SyncScheduler(registry: stores.registry, history: history, jobs: syncJobs, logger: logger, interval: $0, passes: passes)
            },
            audit: AuditLog(system: stores.system), mailer: mailer, outbox: MailOutbox(mailer: mailer, logger: logger),
            catalog: catalog, jira: jira, memory: memory, scripts: scripts, telegram: telegram, telegramLinks: telegramLinks,
            notificationHub: notificationHub)
        self.web = web
        self.publication = publication
        // Queued now, run when the sync service starts (after `open` has loaded the manifest of the last epoch).
        self.startupJob = syncJobs.triggerStartup()
    }

    /// Prepares the data directory, opens (and migrates) the databases, loads the token secret and the page
    /// templates.
    public static func open(configuration: ServerConfiguration, logger: Logger) async throws -> ServerDependencies {
        let directory = configuration.dataDirectory
        try directory.prepare()
        let secret: String
        if let configured = configuration.auth.jwtSecret {
            secret = configured
        } else if configuration.developmentMode {
            secret = try DevelopmentSecret.loadOrCreate(at: directory.state.appendingPathComponent("jwt-secret").path)
            logger.warning("using the generated development JWT secret in state/jwt-secret")
        } else {
            throw LaunchError.invalidSetting("JWT_SECRET_KEY is not set (or start with --dev)")
        }
        let branding: WebBranding
        do {
            branding = try WebBranding(instance: configuration.instance)
        } catch {
            throw LaunchError.invalidSetting("\(error)")
        }
        let templates: WebTemplates, assets: WebAssets
        do {
            templates = try WebTemplates.bundled()
            assets = try WebAssets.bundled(theme: branding.themeCSS)
        } catch {
            throw LaunchError.invalidSetting("the HTML pages cannot be loaded: \(error)")
        }
        let duckDB = Database.Configuration(
            threads: configuration.duckDBThreads, memoryLimit: configuration.duckDBMemoryLimit,
            extensionDirectory: configuration.extensionDirectory)
        let system = try SystemDatabase(path: directory.systemDatabase.path, configuration: duckDB, logger: logger)
        let attacher = ExtractAttacher(extracts: directory.extracts, environment: configuration.environment)
        let orchestrator = Orchestrator(
            directory: directory, system: system, attacher: attacher, extensionDirectory: configuration.extensionDirectory,
            logger: logger)
        var queryDuckDB = duckDB
        queryDuckDB.memoryLimit = configuration.query.memoryLimit ?? configuration.duckDBMemoryLimit
        func openAnalytics() throws -> AnalyticsDatabase {
            try AnalyticsDatabase(
                path: directory.analyticsDatabase.path, poolSize: configuration.query.poolSize, configuration: queryDuckDB,
                attacher: attacher, drainPeriod: configuration.query.timeout + .seconds(30), logger: logger)
        }
        // The query side opens what was published before the start (the last `server.duckdb`), so the server serves
        // at once whatever the number of tables; the start-up job (queued by `init`) rebuilds from the extracts, which may have
        // changed while it was down. Only a file that cannot be opened is rebuilt first.
        let analytics: AnalyticsDatabase
        do {
            analytics = try openAnalytics()
        } catch {
            logger.error(
                "the last published analytics database cannot be opened; rebuilding it before serving",
                metadata: ["error": "\(error)"])
            _ = try await orchestrator.rebuild()
            analytics = try openAnalytics()
        }
        let tokens = await TokenService(secret: secret, lifetime: configuration.auth.tokenLifetime)
        let dependencies = ServerDependencies(
            configuration: configuration,
            stores: DataStores(system: system, analytics: analytics, orchestrator: orchestrator, memory: configuration.memory),
            tokens: tokens,
            web: WebUI(templates: templates, assets: assets, branding: branding, tokens: tokens), logger: logger)
        if let seed = configuration.auth.seedAdmin {
            try await dependencies.seedAdmin(email: seed.email, password: seed.password)
        }
        try await dependencies.publication.refreshManifest()
        return dependencies
    }

    /// Creates the `SEED_ADMIN_EMAIL` admin when no user has that email yet.
    private func seedAdmin(email: String, password: String?) async throws {
        guard try await stores.users.find(email: email) == nil else { return }
        let hash: String?
        do {
            hash = try await password.asyncMap(signIn.passwords.hashNewPassword)
        } catch let error as PasswordError {
            throw LaunchError.invalidSetting("SEED_ADMIN_PASSWORD: \(error.description)")
        }
        do {
            let user = try await stores.users.create(email: email, name: "Admin", role: .admin, passwordHash: hash)
            logger.info("created the seed admin", metadata: ["email": "\(user.email)"])
        } catch let error as IdentityError {
            throw LaunchError.invalidSetting("SEED_ADMIN_EMAIL: \(error.description)")
        }
    }

    /// Closes the databases after their running work finishes.
    public func close() async {
        await stores.analytics.close()
        await stores.system.close()
    }
}
