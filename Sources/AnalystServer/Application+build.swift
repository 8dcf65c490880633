import AnalystCore
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// Builds the HTTP application: routes, middleware and the background services it owns.
public func buildApplication(dependencies: ServerDependencies) -> some ApplicationProtocol {
    let router = buildRouter(dependencies: dependencies)
    let configuration = dependencies.configuration
    // Zero-copy downloads need a handler next to NIO's HTTP encoder (see FileRegionResponses.swift).
    let extracts = DataController.fileRoot(configuration.dataDirectory), logger = dependencies.logger
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: configuration.zeroCopyDownloads ? [FileRegionInstaller(root: extracts, logger: logger)] : [])
    let background = dependencies.background
    // `GET /ws/notifications` upgrades to a WebSocket (the session pings itself, in the reference's JSON form).
    let authentication = AuthenticationMiddleware(
        tokens: dependencies.signIn.tokens, users: dependencies.stores.users, accessTokens: dependencies.stores.accessTokens)
    var socket = NotificationSocket(hub: background.notificationHub, authenticate: { try await authentication.authenticate($0).0 })
    socket.pingInterval = configuration.notificationPing
    socket.authTimeout = configuration.notificationSignIn
    let server: HTTPServerBuilder = .http1WebSocketUpgrade(
        configuration: .init(http1: http1, ws: .init(autoPing: .disabled)), shouldUpgrade: socket.shouldUpgrade)
    // In dependency order: a graceful shutdown stops them in reverse, so the databases close last, after the audit
    // buffer, the mail queue, the sync jobs and the catalog refresh are done with them.
    var services: [any Service] = [
        DatabaseService(dependencies: dependencies),
        AuditService(audit: background.audit, logger: logger),
        MailOutboxService(outbox: background.outbox),
        SyncService(jobs: background.syncJobs, scheduler: background.scheduler),
    ]
    if let catalog = background.catalog { services.append(CatalogService(enricher: catalog)) }
    services.append(JiraService(processor: background.jira, registry: dependencies.stores.registry, logger: logger))
    services.append(BodyReleaseService(bodies: dependencies.syncBodies))
    if let telegram = background.telegram {
        if let webhook = telegram.webhook {
            services.append(webhook)
        } else if let poller = telegram.poller {
            services.append(poller)
        }
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "da-server"),
        services: services,
        onServerRunning: { channel in
            logger.info(
                "listening",
                metadata: [
                    "address": "\(channel.localAddress?.description ?? "?")",
                    "data_dir": "\(configuration.dataDirectory.root.path)",
                ])
        },
        logger: logger
    )
}

/// The router alone (tests drive it in-process). Three route groups are built once and every controller hangs off
/// one of them: public, signed in (any role), and admin.
public func buildRouter(dependencies: ServerDependencies) -> Router<AppRequestContext> {
    let stores = dependencies.stores, signIn = dependencies.signIn, background = dependencies.background
    let configuration = dependencies.configuration, directory = configuration.dataDirectory, logger = dependencies.logger
    let router = Router(context: AppRequestContext.self)
    let knowledge = stores.knowledge
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: AuditMiddleware(audit: background.audit))
    router.add(middleware: ErrorMiddleware())

    let authentication = AuthenticationMiddleware(tokens: signIn.tokens, users: stores.users, accessTokens: stores.accessTokens)
    let signedIn = router.group().add(middleware: authentication)
    let admin = signedIn.group().add(middleware: RoleMiddleware(minimum: .admin))

    var health = HealthCheck(system: stores.system)
    health.reportsMemory = true
    health.aiProvider = configuration.connectors.llm?.description
    health.isStarting = { [syncJobs = background.syncJobs] in syncJobs.isStarting }
    HealthController(check: health).addRoutes(to: router.group("api"))
    let jira = JiraWebhookController(settings: configuration.connectors.jira, processor: background.jira)
    jira.addRoutes(to: router.group("api/jira"))
    jira.addLegacyRoutes(to: router.group("webhooks"))
    let auth = AuthController(
        users: stores.users, passwords: signIn.passwords, tokens: signIn.tokens, accessTokens: stores.accessTokens,
        loginLimiter: signIn.loginLimiter, linkLimiters: signIn.linkLimiters, links: stores.links, outbox: background.outbox,
        publicURL: configuration.publicURL, tokenLifetime: configuration.auth.tokenLifetime
    )
    auth.addRoutes(to: router.group("auth"), authenticated: signedIn.group("auth"))
    GoogleAuthController(
        provider: signIn.oidcProvider, pending: signIn.pendingSignIns, users: stores.users, tokens: signIn.tokens,
        publicURL: configuration.publicURL, tokenLifetime: configuration.auth.tokenLifetime, logger: logger
    )
    .addRoutes(to: router.group("auth/google"))
    let tokens = TokensController(accessTokens: stores.accessTokens)
    tokens.addRoutes(to: signedIn.group("api/tokens"))
    let telegram = TelegramController(links: background.telegramLinks, webhook: background.telegram?.webhook)
    telegram.addRoutes(user: signedIn.group("api/telegram"), public: router.group("api/telegram"))

    // The web UI: static files, the sign-in pages, and the pages of a signed-in browser (errors as pages; the
    // inner error middleware renders with the viewer known, the outer one catches the session check's refusals).
    let web = dependencies.web
    web.assets.addRoutes(to: router)
    let disabledProviders = Set(configuration.instance.stringList("auth.disabled_providers") ?? [])
    SignInPages(
        ui: web, auth: auth, authentication: authentication, offersPassword: !disabledProviders.contains("password"),
        offersEmailLink: configuration.mail != nil && !disabledProviders.contains("email"),
        offersGoogle: signIn.oidcProvider != nil && !disabledProviders.contains("google")
    )
    .addRoutes(to: router.group().add(middleware: PageErrorMiddleware(ui: web)))
    // Role checks are the API's (`RoleMiddleware`); the inner error middleware draws their 403 as a page.
    let pages = router.group()
        .add(middleware: PageErrorMiddleware(ui: web))
        .add(middleware: PageSessionMiddleware(authentication: authentication, ui: web))
        .add(middleware: PageErrorMiddleware(ui: web))
    DashboardPages(
        ui: web, tokens: tokens, telegram: telegram, accessPolicy: stores.accessPolicy, manifest: stores.manifest,
        history: stores.syncHistory, auth: auth, telegramBot: configuration.telegram?.botUsername,
        telegramConfigured: configuration.telegram != nil
    )
    .addRoutes(to: pages)
    let catalog = CatalogController(
        registry: stores.registry, manifest: stores.manifest, accessPolicy: stores.accessPolicy, system: stores.system,
        directory: directory, enricher: background.catalog
    )
    CatalogPages(ui: web, catalog: catalog, permissions: stores.permissions, directory: directory).addRoutes(to: pages)
    let memory = MemoryController(store: knowledge, audit: background.audit, collector: background.memory)
    MemoryPages(
        ui: web, memory: memory, audit: background.audit, users: stores.users, collectorConfigured: configuration.connectors.llm != nil
    )
    .addRoutes(pages: pages, reviewers: pages.group().add(middleware: RoleMiddleware(minimum: .kmAdmin)))
    let users = UsersController(
        users: stores.users, passwords: signIn.passwords, links: stores.links, publicURL: configuration.publicURL,
        mailer: background.mailer, logger: logger
    )
    let discovery = DiscoveryController(
        registry: stores.registry, connectors: configuration.connectors, defaultSource: configuration.instance.string("data_source.type")
    )
    let adminPages = pages.group().add(middleware: RoleMiddleware(minimum: .admin))
    AdminUsersPages(
        ui: web, users: users, permissions: stores.permissions, registry: stores.registry, mailConfigured: configuration.mail != nil
    )
    .addRoutes(to: adminPages)
    AdminTablesPages(
        ui: web, registry: stores.registry, discovery: discovery, connectors: configuration.connectors, jobs: background.syncJobs,
        history: stores.syncHistory
    )
    .addRoutes(to: adminPages)
    ActivityPages(
        ui: web, audit: background.audit, users: stores.users, history: stores.syncHistory, knowledge: knowledge,
        scripts: background.scripts.store
    )
    .addRoutes(to: adminPages)

    AccessRequestsController(permissions: stores.permissions)
        .addRoutes(user: signedIn.group("api/access-requests"), admin: admin.group("api/access-requests"))
    memory
        .addRoutes(
            user: signedIn.group("api/memory"),
            kmAdmin: signedIn.group("api/memory/admin").add(middleware: RoleMiddleware(minimum: .kmAdmin)))
    SyncController(
        manifest: stores.manifest, accessPolicy: stores.accessPolicy, registry: stores.registry, jobs: background.syncJobs,
        history: stores.syncHistory, system: stores.system, directory: directory, knowledge: knowledge,
        bodies: dependencies.syncBodies
    )
    .addRoutes(user: signedIn.group("api/sync"), admin: admin.group("api/sync"))
    DataController(
        manifest: stores.manifest, accessPolicy: stores.accessPolicy, directory: directory,
        zeroCopy: configuration.zeroCopyDownloads
    )
    .addRoutes(to: signedIn.group("api/data"))
    UserUploadController(
        directory: directory, sessions: SessionTranscripts(system: stores.system), maxFileBytes: configuration.uploads.maxUserFileBytes
    )
    .addRoutes(to: signedIn.group("api/upload"))
    catalog.addRoutes(to: signedIn.group("api/catalog"))
    let scriptRoutes = signedIn.group("api/scripts")
    ScriptsController(runner: background.scripts, users: stores.users)
        .addRoutes(
            user: scriptRoutes, analyst: signedIn.group("api/scripts").add(middleware: RoleMiddleware(minimum: .analyst)),
            notifications: signedIn.group("api/notifications"))
    QueryController(
        analytics: stores.analytics, accessPolicy: stores.accessPolicy, sandbox: SQLSandbox(),
        timeout: configuration.query.timeout, maxRows: configuration.query.maxRows
    )
    .addRoutes(to: signedIn.group("api/query"))
    ContractController().addRoutes(to: signedIn)

    PermissionsController(permissions: stores.permissions, users: stores.users)
        .addRoutes(to: admin.group("api/admin/permissions"))
    UploadTableController(
        registry: stores.registry, jobs: background.syncJobs, manifest: stores.manifest, directory: directory,
        maxBytes: configuration.uploads.maxTableBytes
    )
    .addRoutes(to: admin.group("api/admin/tables"))
    RegistryController(registry: stores.registry, connectors: configuration.connectors).addRoutes(to: admin.group("api/admin"))
    discovery.addRoutes(to: admin.group("api/admin"))
    AuditController(audit: background.audit).addRoutes(to: admin.group("api/admin/audit"))
    SessionsController(sessions: SessionTranscripts(system: stores.system)).addRoutes(to: admin.group("api/admin"))
    users.addRoutes(to: admin.group("api/users"))
    return router
}
