import AnalystAPI
import DuckDB
import Foundation

/// `da status --local`: what the workspace holds, from `server/sync_state.json` (no server needed).
public enum LocalStatus {
    /// `{"mode":"local","tables_synced","last_sync" (or "never"),"tables":{id:{hash,rows,size_bytes}},"workspace","database"}`.
    public static func report(workspace: Workspace) throws -> [String: Any] {
        let state = try LocalSyncState.load(from: workspace.stateFile)
        let tables = state.tables.mapValues { ["hash": $0.hash, "rows": $0.rows, "size_bytes": $0.size_bytes] as [String: Any] }
        return [
            "mode": "local", "tables_synced": state.tables.count, "last_sync": state.last_sync ?? "never", "tables": tables,
            "workspace": workspace.root.path,
            "database": FileManager.default.fileExists(atPath: workspace.database.path) ? workspace.database.path : NSNull(),
        ]
    }
}

/// `da diagnose`: checks the server, the token, the clock, the local database, the sync and the disk, and says what
/// to do about each problem.
public struct Diagnosis: Sendable {
    public enum Status: String, Sendable, Comparable {
        case ok, skip, warn, fail

        private var rank: Int {
            switch self {
            case .ok, .skip: return 0
            case .warn: return 1
            case .fail: return 2
            }
        }
        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    public struct Check: Sendable {
        public var name: String
        public var status: Status
        public var detail: String
        public var latencyMs: Double?
    }

    public var checks: [Check] = []
    public var suggestedActions: [String] = []

    /// The worst status of all checks (`ok` when all passed or were skipped).
    public var overall: Status {
        let worst = checks.map(\.status).max() ?? .ok
        return worst == .skip ? .ok : worst
    }

    public var json: [String: Any] {
        [
            "overall": overall.rawValue,
            "checks": checks.map { check -> [String: Any] in
                var object: [String: Any] = ["name": check.name, "status": check.status.rawValue, "detail": check.detail]
                if let latency = check.latencyMs { object["latency_ms"] = (latency * 10).rounded() / 10 }
                return object
            },
            "suggested_actions": suggestedActions,
        ]
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
        let health: [String: Any]
        do {
            health = try await anonymous.object(.GET, "/api/health")
        } catch {
            diagnosis.add(
                "api", .fail, "\(server) does not answer: \(error)",
                action: "Server unreachable at \(server). Check the address (--server, DA_SERVER, da setup init) and that the server runs.")
            await diagnosis.checkLocal(workspace: workspace, manifest: nil)
            return diagnosis
        }
        let latency = (ContinuousClock.now - started).milliseconds
        diagnosis.add("api", .ok, "\(server) answers (\(health["status"] as? String ?? "?"))", latencyMs: latency)
        diagnosis.checkServices(health)
        diagnosis.checkClock(health, latencyMs: latency)

        var manifest: Manifest?
        if let token {
            let client = APIClient(server: server, token: token)
            do {
                let me = try await client.object(.GET, "/auth/me")
                diagnosis.add("token", .ok, "signed in as \(me["email"] as? String ?? "?") (\(me["role"] as? String ?? "?"))")
                manifest = try? JSONDecoder().decode(
                    Manifest.self, from: try await client.send(.GET, "/api/sync/manifest", timeout: .seconds(30)))
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

    private mutating func checkServices(_ health: [String: Any]) {
        for (name, value) in (health["services"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let service = value as? [String: Any] ?? [:]
            let status = service["status"] as? String ?? "unknown"
            add(name, status == "ok" ? .ok : .warn, status)
            for table in service["stale_tables"] as? [String] ?? [] {
                add(
                    "stale:\(table)", .warn, "table \(table) has not been refreshed on schedule",
                    action: "Table '\(table)' is stale. An admin can run: da setup first-sync (and check the server log for \(table))")
            }
        }
    }

    private mutating func checkClock(_ health: [String: Any], latencyMs: Double) {
        guard let text = health["timestamp"] as? String, let serverTime = Diagnosis.parseTimestamp(text) else { return }
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

    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
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
