import AnalystCore
import Hummingbird
import HummingbirdCore
import Logging

/// Builds the HTTP application: routes, middleware and the background services it owns.
public func buildApplication(dependencies: ServerDependencies) -> some ApplicationProtocol {
    let router = buildRouter(dependencies: dependencies)
    let configuration = dependencies.configuration
    // Zero-copy downloads need a handler next to NIO's HTTP encoder (see FileRegionResponses.swift).
    let extracts = DataController.fileRoot(configuration.dataDirectory), logger = dependencies.logger
    let server: HTTPServerBuilder =
        configuration.zeroCopyDownloads
        ? .http1(configuration: .init(additionalChannelHandlers: [FileRegionInstaller(root: extracts, logger: logger)]))
        : .http1()
    return Application(
        router: router,
        server: server,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "da-server"),
        services: [
            DatabaseService(dependencies: dependencies),
            AuditService(audit: dependencies.audit, logger: dependencies.logger),
            SyncService(
                jobs: dependencies.syncJobs,
                scheduler: SyncScheduler(
                    registry: dependencies.registry, syncState: dependencies.syncState, jobs: dependencies.syncJobs,
                    logger: dependencies.logger)),
        ],
        onServerRunning: { channel in
            dependencies.logger.info(
                "listening",
                metadata: [
                    "address": "\(channel.localAddress?.description ?? "?")",
                    "data_dir": "\(configuration.dataDirectory.root.path)",
                ])
        },
        logger: dependencies.logger
    )
}

/// The router alone (tests drive it in-process).
public func buildRouter(dependencies: ServerDependencies) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: AuditMiddleware(audit: dependencies.audit))
    router.add(middleware: ErrorMiddleware())
    let api = router.group("api")
    HealthController(check: HealthCheck(system: dependencies.system)).addRoutes(to: api)

    let authentication = AuthenticationMiddleware(
        tokens: dependencies.tokens, users: dependencies.users, accessTokens: dependencies.accessTokens)
    AuthController(
        users: dependencies.users, passwords: dependencies.passwords, tokens: dependencies.tokens,
        accessTokens: dependencies.accessTokens, loginLimiter: dependencies.loginLimiter, linkLimiters: dependencies.linkLimiters,
        links: dependencies.links,
        mailer: dependencies.mailer, publicURL: dependencies.configuration.publicURL,
        tokenLifetime: dependencies.configuration.tokenLifetime, logger: dependencies.logger
    )
    .addRoutes(to: router.group("auth"), authenticated: router.group("auth").add(middleware: authentication))
    GoogleAuthController(
        provider: dependencies.oidcProvider, pending: dependencies.pendingSignIns, users: dependencies.users,
        tokens: dependencies.tokens, publicURL: dependencies.configuration.publicURL,
        tokenLifetime: dependencies.configuration.tokenLifetime, logger: dependencies.logger
    )
    .addRoutes(to: router.group("auth/google"))
    TokensController(accessTokens: dependencies.accessTokens)
        .addRoutes(to: router.group("api/tokens").add(middleware: authentication))
    let adminOnly = RoleMiddleware(minimum: .admin)
    PermissionsController(permissions: dependencies.permissions, users: dependencies.users)
        .addRoutes(to: router.group("api/admin/permissions").add(middleware: authentication).add(middleware: adminOnly))
    AccessRequestsController(permissions: dependencies.permissions)
        .addRoutes(
            user: router.group("api/access-requests").add(middleware: authentication),
            admin: router.group("api/access-requests").add(middleware: authentication).add(middleware: adminOnly))
    SyncController(
        manifest: dependencies.manifest, accessPolicy: dependencies.accessPolicy, registry: dependencies.registry,
        jobs: dependencies.syncJobs, system: dependencies.system, directory: dependencies.configuration.dataDirectory
    )
    .addRoutes(
        user: router.group("api/sync").add(middleware: authentication),
        admin: router.group("api/sync").add(middleware: authentication).add(middleware: adminOnly))
    DataController(
        manifest: dependencies.manifest, accessPolicy: dependencies.accessPolicy,
        directory: dependencies.configuration.dataDirectory, zeroCopy: dependencies.configuration.zeroCopyDownloads
    )
    .addRoutes(to: router.group("api/data").add(middleware: authentication))
    UploadTableController(
        registry: dependencies.registry, jobs: dependencies.syncJobs, manifest: dependencies.manifest,
        directory: dependencies.configuration.dataDirectory, maxBytes: dependencies.configuration.maxUploadBytes
    )
    .addRoutes(to: router.group("api/admin/tables").add(middleware: authentication).add(middleware: adminOnly))
    UserUploadController(
        directory: dependencies.configuration.dataDirectory, maxFileBytes: dependencies.configuration.maxUserUploadBytes
    )
    .addRoutes(to: router.group("api/upload").add(middleware: authentication))
    CatalogController(
        registry: dependencies.registry, manifest: dependencies.manifest, accessPolicy: dependencies.accessPolicy,
        system: dependencies.system, directory: dependencies.configuration.dataDirectory
    )
    .addRoutes(to: router.group("api/catalog").add(middleware: authentication))
    QueryController(
        analytics: dependencies.analytics, accessPolicy: dependencies.accessPolicy, sandbox: SQLSandbox(),
        timeout: dependencies.configuration.queryTimeout, maxRows: dependencies.configuration.queryMaxRows
    )
    .addRoutes(to: router.group("api/query").add(middleware: authentication))
    RegistryController(registry: dependencies.registry)
        .addRoutes(to: router.group("api/admin").add(middleware: authentication).add(middleware: adminOnly))
    AuditController(audit: dependencies.audit)
        .addRoutes(
            to: router.group("api/admin/audit").add(middleware: authentication)
                .add(middleware: RoleMiddleware(minimum: .admin)))
    UsersController(
        users: dependencies.users, passwords: dependencies.passwords, links: dependencies.links,
        publicURL: dependencies.configuration.publicURL, mailer: dependencies.mailer, logger: dependencies.logger
    )
    .addRoutes(
        to: router.group("api/users").add(middleware: authentication).add(middleware: RoleMiddleware(minimum: .admin)))
    // The pages' templates ship in this target's resource bundle: a server without them must not start.
    let templates: WebTemplates
    do {
        templates = try WebTemplates.bundled()
    } catch {
        fatalError("cannot load the HTML page templates: \(error)")
    }
    WebController(
        templates: templates, users: dependencies.users, passwords: dependencies.passwords, links: dependencies.links,
        tokens: dependencies.tokens, authentication: authentication, googleConfigured: dependencies.oidcProvider != nil,
        publicURL: dependencies.configuration.publicURL, tokenLifetime: dependencies.configuration.tokenLifetime
    )
    .addRoutes(to: router)
    ContractController().addRoutes(to: router.group().add(middleware: authentication))
    return router
}
