import AnalystCore
import Logging
import Messaging

/// Everything `da-server serve` needs to start, resolved from flags, environment and `instance.yaml`.
public struct ServerConfiguration: Sendable {
    /// The data directory (`--data-dir`, `DATA_DIR`, default `./data`).
    public var dataDirectory: DataDirectory
    /// Address to listen on (`--host`, `HOST`, `server.host`, default 127.0.0.1).
    public var host: String
    /// Port to listen on (`--port`, `PORT`, `server.port`, default 8000); 0 picks a free port.
    public var port: Int
    /// Development mode: conveniences that must never be on in production (later: generated secrets).
    public var developmentMode: Bool
    /// The parsed `instance.yaml` (empty when there is none).
    public var instance: InstanceConfig
    /// Connections (and threads) serving analysts' queries (`query.pool_size`, default 4).
    public var queryPoolSize: Int
    /// DuckDB threads per query (`duckdb.threads`, default: DuckDB's choice, the core count).
    public var duckDBThreads: Int?
    /// DuckDB memory limit for the query side (`duckdb.memory_limit`, e.g. "4GB").
    public var duckDBMemoryLimit: String?
    /// The HS256 secret for access tokens (`JWT_SECRET_KEY`); `nil` only in development mode, where a
    /// generated secret is kept in `DATA_DIR/state/jwt-secret`.
    public var jwtSecret: String?
    /// How long an access token is valid (`auth.jwt_lifetime_hours`, default 24 h).
    public var tokenLifetime: Duration
    /// The address users reach the server at, for links (`server.public_url` or `SERVER_URL`); when unset, links
    /// are built from the request's Host header.
    public var publicURL: String?
    /// SMTP settings; `nil` when email is not configured.
    public var mail: MailSettings?
    /// Google (OpenID Connect) sign-in; `nil` when not configured.
    public var oidc: OIDCSettings?
    /// An admin to create at start if missing (`SEED_ADMIN_EMAIL`, optional `SEED_ADMIN_PASSWORD`).
    public var seedAdmin: (email: String, password: String?)?
    /// The longest an analyst's query may run (`QUERY_TIMEOUT_SECONDS`, `query.timeout_seconds`, default 30 s).
    public var queryTimeout: Duration = .seconds(30)
    /// The largest `limit` a query may ask for (`query.max_rows`, default 100,000).
    public var queryMaxRows: Int = 100_000
    /// DuckDB's memory limit for analysts' queries (`query.memory_limit`, e.g. "2GB"); else `duckdb.memory_limit`.
    public var queryMemoryLimit: String?
    /// The largest file an admin may upload (`data.max_upload_mb`, default 1024 MB).
    public var maxUploadBytes: Int64 = 1024 << 20
    /// The largest file any user may upload to `/api/upload` (`USER_UPLOAD_MAX_MB`, `data.max_user_upload_mb`,
    /// default 50 MB).
    public var maxUserUploadBytes: Int64 = 50 << 20
    /// Whether table downloads are sent with `sendfile(2)` from the page cache to the socket (`server.sendfile`,
    /// default on in `da-server serve`). Off, they are read in 1 MiB chunks and written out.
    public var zeroCopyDownloads = false
    /// Profiler thresholds and sampling (`profiler.*`).
    public var profilerOptions = ProfilerOptions()
    /// The process environment (tokens named by `_remote_attach`, connector secrets).
    public var environment: [String: String] = [:]
    /// Directory holding DuckDB's extensions (`DUCKDB_HOME/extensions`); never downloaded at run time.
    public var extensionDirectory: String?

    public init(
        dataDirectory: DataDirectory, host: String = "127.0.0.1", port: Int = 8000, developmentMode: Bool = false,
        instance: InstanceConfig = InstanceConfig(), queryPoolSize: Int = 4, duckDBThreads: Int? = nil,
        duckDBMemoryLimit: String? = nil, extensionDirectory: String? = nil, jwtSecret: String? = nil,
        tokenLifetime: Duration = .seconds(24 * 3600), seedAdmin: (email: String, password: String?)? = nil,
        publicURL: String? = nil, mail: MailSettings? = nil, oidc: OIDCSettings? = nil
    ) {
        self.oidc = oidc
        self.mail = mail
        self.publicURL = publicURL
        self.seedAdmin = seedAdmin
        self.jwtSecret = jwtSecret
        self.tokenLifetime = tokenLifetime
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.developmentMode = developmentMode
        self.instance = instance
        self.queryPoolSize = queryPoolSize
        self.duckDBThreads = duckDBThreads
        self.duckDBMemoryLimit = duckDBMemoryLimit
        self.extensionDirectory = extensionDirectory
    }
}
