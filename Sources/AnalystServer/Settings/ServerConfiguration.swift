import AnalystCore
import Connectors
import Foundation
import Logging
import Messaging

/// Everything `da-server serve` needs to start, resolved from flags, environment and `instance.yaml`.
public struct ServerConfiguration: Sendable {
    /// The listen address and port when nothing else says.
    public static let defaultHost = "127.0.0.1", defaultPort = 8000

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
    /// DuckDB threads per query (`duckdb.threads`, default: DuckDB's choice, the core count).
    public var duckDBThreads: Int?
    /// DuckDB memory limit for the query side (`duckdb.memory_limit`, e.g. "4GB").
    public var duckDBMemoryLimit: String?
    /// The address users reach the server at, for links (`server.public_url` or `SERVER_URL`); when unset, links
    /// are built from the request's Host header.
    public var publicURL: String?
    /// Whether table downloads are sent with `sendfile(2)` from the page cache to the socket (`server.sendfile`,
    /// default on). Off, they are read in 1 MiB chunks and written out.
    public var zeroCopyDownloads = true
    /// `query.*`: pool, timeout, row cap, memory.
    public var query = QuerySettings()
    /// `data.*` upload limits.
    public var uploads = UploadSettings()
    /// `auth.*` and the sign-in secrets.
    public var auth = AuthSettings()
    /// SMTP settings (`email.*`, `SMTP_*`); `nil` when email is not configured.
    public var mail: MailSettings?
    /// Profiler thresholds and sampling (`profiler.*`).
    public var profilerOptions = ProfilerOptions()
    /// How often the scheduler looks for due tables (`sync.schedule_check_seconds`, default 60); `nil` (0) turns
    /// the in-server scheduler off, for a `da-server scheduler` sidecar.
    public var scheduleCheckInterval: Duration? = .seconds(60)
    /// Keboola, databases, BigQuery… (`keboola.*`, …): where the sources are; `ai.*`: the model the memory
    /// collector uses.
    public var connectors = ConnectorSettings()
    /// How collected knowledge is approved and how often the collector runs (`corporate_memory.*`).
    public var memory = MemorySettings()
    /// The limits of a script run (`SCRIPT_TIMEOUT`, `scripts.timeout_seconds`).
    public var scriptLimits = ScriptSandbox.Limits()
    /// The Telegram bot (`TELEGRAM_BOT_TOKEN`, `TELEGRAM_API_URL`, `telegram.*`); `nil` when no token is set.
    public var telegram: TelegramSettings?
    /// How often `/ws/notifications` pings its clients (30 s; 3 unanswered pings close a connection) and how long a
    /// connection may take to sign in with its first message (10 s).
    public var notificationPing: Duration = .seconds(30)
    public var notificationSignIn: Duration = .seconds(10)
    /// The Python virtualenv scripts run with (`SCRIPTS_VENV`, `make scripts-venv`).
    public var scriptsVirtualenv = ScriptSandbox.defaultVirtualenv()
    /// The process environment (tokens named by `_remote_attach`, connector secrets).
    public var environment: [String: String] = [:]
    /// Directory holding DuckDB's extensions (`DUCKDB_HOME/extensions`); never downloaded at run time.
    public var extensionDirectory: String?

    public init(
        dataDirectory: DataDirectory, host: String = defaultHost, port: Int = defaultPort, developmentMode: Bool = false,
        instance: InstanceConfig = InstanceConfig(), duckDBThreads: Int? = nil, duckDBMemoryLimit: String? = nil,
        extensionDirectory: String? = nil, publicURL: String? = nil, query: QuerySettings = QuerySettings(),
        uploads: UploadSettings = UploadSettings(), auth: AuthSettings = AuthSettings(), mail: MailSettings? = nil
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.developmentMode = developmentMode
        self.instance = instance
        self.duckDBThreads = duckDBThreads
        self.duckDBMemoryLimit = duckDBMemoryLimit
        self.extensionDirectory = extensionDirectory
        self.publicURL = publicURL
        self.query = query
        self.uploads = uploads
        self.auth = auth
        self.mail = mail
    }
}
