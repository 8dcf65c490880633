import AnalystAPI
import DuckDB
import Foundation

/// `da status --local`: what the workspace holds, from `server/sync_state.json` (no server needed).
public struct LocalStatus: Sendable, Encodable {
    /// Always `local`.
    public var mode = "local"
    /// How many tables the last sync installed.
    public var tablesSynced: Int
    /// When the last sync ended, or `never`.
    public var lastSync: String
    /// Each installed table's hash, rows and size.
    public var tables: SortedObject<LocalSyncState.Table>
    /// The workspace's path.
    public var workspace: String
    /// The analyst's database, if it exists.
    public var database: String?

    enum CodingKeys: String, CodingKey {
        case database, lastSync = "last_sync", mode, tables, tablesSynced = "tables_synced", workspace
    }

    /// The report for `workspace`; an unreadable state file is an error that says what to do.
    public static func report(workspace: Workspace) throws -> LocalStatus {
        let state = try LocalSyncState.load(from: workspace.stateFile)
        let database = FileManager.default.fileExists(atPath: workspace.database.path) ? workspace.database.path : nil
        return LocalStatus(
            tablesSynced: state.tables.count, lastSync: state.last_sync ?? "never", tables: SortedObject(state.tables),
            workspace: workspace.root.path, database: database)
    }
}

/// `da diagnose`: checks the server, the token, the clock, the local database, the sync and the disk, and says what
/// to do about each problem.
public struct Diagnosis: Sendable, Encodable {
    /// A check's result, from best to worst: ok (and skip), warn, fail.
    public enum Status: String, Sendable, Comparable, Encodable {
        case ok, skip, warn, fail

        private var rank: Int {
            switch self {
            case .ok, .skip: return 0
            case .warn: return 1
            case .fail: return 2
            }
        }
        /// Whether `lhs` is better than `rhs`.
        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    /// One check: `{"detail", "latency_ms" (when measured), "name", "status"}`.
    public struct Check: Sendable, Encodable {
        /// What was checked: `api`, `token`, `clock`, a service, `local_db`, `local_sync`, `disk`.
        public var name: String
        /// The result.
        public var status: Status
        /// What was seen, for a person.
        public var detail: String
        /// How long the server took to answer, for `api`.
        public var latencyMs: Double?

        enum CodingKeys: String, CodingKey {
            case detail, latencyMs = "latency_ms", name, status
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(detail, forKey: .detail)
            if let latencyMs { try container.encode((latencyMs * 10).rounded() / 10, forKey: .latencyMs) }
            try container.encode(name, forKey: .name)
            try container.encode(status, forKey: .status)
        }
    }

    /// The checks, in the order they ran.
    public var checks: [Check] = []
    /// What to do about the problems found, each once.
    public var suggestedActions: [String] = []

    /// The worst status of all checks (`ok` when all passed or were skipped).
    public var overall: Status {
        let worst = checks.map(\.status).max() ?? .ok
        return worst == .skip ? .ok : worst
    }

    enum CodingKeys: String, CodingKey {
        case checks, overall, suggestedActions = "suggested_actions"
    }

    /// `{"checks": […], "overall", "suggested_actions": […]}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(checks, forKey: .checks)
        try container.encode(overall, forKey: .overall)
        try container.encode(suggestedActions, forKey: .suggestedActions)
    }

    mutating func add(_ name: String, _ status: Status, _ detail: String, action: String? = nil, latencyMs: Double? = nil) {
        checks.append(Check(name: name, status: status, detail: detail, latencyMs: latencyMs))
        if let action, !suggestedActions.contains(action) { suggestedActions.append(action) }
    }

    /// Runs every check. `token` is the stored token (`nil`: not logged in).
    public static func run(server: String, token: String?, workspace: Workspace) async -> Diagnosis {
        var diagnosis = Diagnosis()
        let anonymous = APIClient(server: server, token: nil)
        let started = ContinuousClock.now
        let health: Schemas.HealthReport
        do {
            health = try await anonymous.get("/api/health", as: Schemas.HealthReport.self)
        } catch {
            diagnosis.add(
                "api", .fail, "\(server) does not answer: \(error)",
                action: "Server unreachable at \(server). Check the address (--server, DA_SERVER, da setup init) and that the server runs.")
            await diagnosis.checkLocal(workspace: workspace, manifest: nil)
            return diagnosis
        }
        let latency = (ContinuousClock.now - started).milliseconds
        diagnosis.add("api", .ok, "\(server) answers (\(health.status.rawValue))", latencyMs: latency)
        diagnosis.checkServices(health.services)
        diagnosis.checkClock(health.timestamp, latencyMs: latency)

        var manifest: Manifest?
        if let token {
            let client = APIClient(server: server, token: token)
            do {
                let me = try await client.get("/auth/me", as: Schemas.User.self)
                diagnosis.add("token", .ok, "signed in as \(me.email) (\(me.role.rawValue))")
                manifest = try? Manifest.decode(try await client.send(.GET, "/api/sync/manifest", timeout: .seconds(30)))
            } catch let error as ClientError {
                if case .server(401, _) = error {
                    diagnosis.add(
                        "token", .fail, "the server refuses the token (expired or revoked)", action: "Log in again: da auth login")
                } else {
                    diagnosis.add("token", .fail, error.description, action: "Log in again: da auth login")
                }
            } catch {
                diagnosis.add("token", .fail, "\(error)", action: "Log in again: da auth login")
            }
        } else {
            diagnosis.add("token", .fail, "not logged in", action: "Log in: da auth login")
        }
        await diagnosis.checkLocal(workspace: workspace, manifest: manifest)
        return diagnosis
    }

    private mutating func checkServices(_ services: Schemas.HealthServices) {
        for (name, service) in services.byName {
            add(name, service.status == .ok ? .ok : .warn, service.status.rawValue)
            for table in service.staleTables ?? [] {
                add(
                    "stale:\(table)", .warn, "table \(table) has not been refreshed on schedule",
                    action: "Table '\(table)' is stale. An admin can run: da setup first-sync (and check the server log for \(table))")
            }
        }
    }

    private mutating func checkClock(_ serverTime: Date, latencyMs: Double) {
        let skew = Date().timeIntervalSince(serverTime) - latencyMs / 2000
        if abs(skew) > 60 {
            add(
                "clock", .warn,
                String(format: "this computer's clock is %.0f s %@ the server's", abs(skew), skew > 0 ? "ahead of" : "behind"),
                action: "Fix the system clock (enable NTP): token expiry and freshness depend on it")
        } else {
            add("clock", .ok, String(format: "within %.1f s of the server", abs(skew)))
        }
    }

    private mutating func checkLocal(workspace: Workspace, manifest: Manifest?) async {
        let path = workspace.database.path
        if FileManager.default.fileExists(atPath: path) {
            let opened: Result<Int, Error> = await Result(catching: {
                try await BlockingExecutor.shared.run {
                    let connection = try workspace.openDatabaseReadOnly()
                    let rows = try connection.query("SELECT count(*) FROM duckdb_views() WHERE NOT internal").rows()
                    return Int(rows.first?.first?.int64Value ?? 0)
                }
            })
            switch opened {
            case .success(let views): add("local_db", .ok, "\(path) opens (\(views) views)")
            case .failure(let error):
                add("local_db", .fail, "\(path) does not open: \(error)", action: "Close programs using it, or delete it and run da sync")
            }
        } else {
            add("local_db", .warn, "no local database yet (\(path))", action: "Download your tables: da sync")
        }
        let state = (try? LocalSyncState.load(from: workspace.stateFile)) ?? LocalSyncState()
        if let manifest {
            let plan = SyncPlan.make(manifest: manifest, state: state, workspace: workspace)
            if plan.changesTables {
                add(
                    "local_sync", .warn, "\(plan.download.count) tables to download, \(plan.remove.count) to remove",
                    action: "Bring the workspace up to date: da sync")
            } else {
                add("local_sync", .ok, "\(plan.skipped.count) tables up to date (last sync \(state.last_sync ?? "never"))")
            }
            let needed = plan.download.reduce(Int64(0)) { $0 + (manifest.tables[$1]?.size_bytes ?? 0) }
            checkDisk(workspace: workspace, needed: needed)
        } else {
            add("local_sync", .skip, "last sync \(state.last_sync ?? "never") (the server's manifest is not available)")
            checkDisk(workspace: workspace, needed: 0)
        }
    }

    private mutating func checkDisk(workspace: Workspace, needed: Int64) {
        var info = statvfs()
        var directory = workspace.root
        while !FileManager.default.fileExists(atPath: directory.path), directory.path != "/" { directory.deleteLastPathComponent() }
        guard statvfs(directory.path, &info) == 0 else { return }
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        let gib = Double(free) / Double(1 << 30)
        if free < needed + (1 << 30) {
            add(
                "disk", .warn,
                String(format: "%.1f GiB free in %@; the next sync needs %.1f MiB", gib, directory.path, Double(needed) / Double(1 << 20)),
                action: "Free disk space in \(directory.path) (or set DA_LOCAL_DIR to a larger disk)")
        } else {
            add("disk", .ok, String(format: "%.1f GiB free", gib))
        }
    }
}

extension Schemas.HealthServices {
    /// The services with their names, by name.
    public var byName: [(name: String, service: Schemas.ServiceCheck)] {
        [("corporate_memory", corporateMemory), ("data", data), ("duckdb_state", duckdbState), ("users", users)].compactMap {
            name, service in
            service.map { (name, $0) }
        }
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
