import Foundation
import NIOCore
import NIOHTTP1
import Yams

/// What `da setup` does: point the CLI at a server, create the first admin, check the connection, run the first sync
/// and verify the instance end to end.
public struct SetupClient: Sendable {
    /// The server and token store in use.
    public let session: AuthSession

    /// A setup client for `session`'s server.
    public init(session: AuthSession) {
        self.session = session
    }

    /// Writes `server: URL` into `config.yaml` in `configDirectory` (other keys kept), atomically; returns the file.
    @discardableResult
    public static func writeConfig(server: String, configDirectory: String) throws -> URL {
        let directory = URL(fileURLWithPath: configDirectory)
        let file = directory.appendingPathComponent("config.yaml")
        var mapping: [String: Any] = [:]
        if let text = try? String(contentsOf: file, encoding: .utf8), let existing = (try? Yams.load(yaml: text)) as? [String: Any] {
            mapping = existing
        }
        mapping["server"] = server
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temporary = directory.appendingPathComponent(".config.yaml.tmp")
            try Data(try Yams.dump(object: mapping, sortKeys: true).utf8).write(to: temporary)
            guard rename(temporary.path, file.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            throw ClientError.badLocalFile(path: file.path, reason: "cannot write it (\(error))")
        }
        return file
    }

    /// Creates the first admin (`POST /auth/bootstrap`, only while the server has no users; 403 after) and stores
    /// the token in `token.json` like a login.
    public func bootstrap(email: String, name: String?, password: String?) async throws -> StoredToken {
        let body = AdminClient.compact(["email": email, "name": name, "password": password])
        let answer = try await APIClient(server: session.server, token: nil).object(.POST, "/auth/bootstrap", json: body)
        guard let token = answer["access_token"] as? String else {
            throw ClientError.server(status: 200, detail: "the bootstrap answer has no access_token")
        }
        let stored = StoredToken(
            accessToken: token, email: answer["email"] as? String ?? email, role: answer["role"] as? String ?? "", server: session.server)
        try session.store.save(stored)
        return stored
    }

    /// The server's health report (`GET /api/health`): `{"status", "timestamp", "services": {name: {"status", …}}}`.
    public func health() async throws -> [String: Any] {
        try await APIClient(server: session.server, token: nil).object(.GET, "/api/health")
    }

    /// Starts a sync of every registered table (`POST /api/sync/trigger`, admin); the answer carries `job_id`.
    public func triggerSync() async throws -> [String: Any] {
        try await authorized().object(.POST, "/api/sync/trigger")
    }

    /// A sync job: `{id, status: queued|running|succeeded|failed, step, errors, …}` (`GET /api/sync/jobs/{id}`).
    public func syncJob(id: String) async throws -> [String: Any] {
        try await authorized().object(.GET, "/api/sync/jobs/\(AdminClient.component(id))")
    }

    /// Whether a job's `status` is final.
    public static func isFinished(_ job: [String: Any]) -> Bool {
        let status = job["status"] as? String
        return status == "succeeded" || status == "failed"
    }

    /// Runs the checks of `da setup verify` (the reference's, in its order); stops after `server` when unreachable.
    public func verify() async -> VerifyReport {
        var checks: [VerifyReport.Check] = []
        do {
            let status = try await health()["status"] as? String ?? "unknown"
            checks.append(.init(name: "server", status: status == "healthy" ? .pass : .warn, detail: status))
        } catch {
            checks.append(.init(name: "server", status: .fail, detail: "\(error)"))
            return VerifyReport(checks: checks)
        }
        let token = try? session.currentToken()
        let api = APIClient(server: session.server, token: token)
        var manifest: [String: Any]?
        if token == nil {
            checks.append(.init(name: "auth", status: .fail, detail: "no token: run da auth login"))
        } else {
            do {
                manifest = try await api.object(.GET, "/api/sync/manifest")
                checks.append(.init(name: "auth", status: .pass, detail: "token valid"))
            } catch {
                checks.append(.init(name: "auth", status: .fail, detail: "\(error)"))
            }
        }
        if let tables = manifest?["tables"] as? [String: Any] {
            let rows = tables.values.reduce(0) { $0 + ((($1 as? [String: Any])?["rows"] as? Int) ?? 0) }
            checks.append(
                tables.isEmpty
                    ? .init(name: "data", status: .warn, detail: "0 tables: run da setup first-sync")
                    : .init(name: "data", status: .pass, detail: "\(tables.count) tables, \(rows) rows"))
        } else {
            checks.append(.init(name: "data", status: .fail, detail: "no manifest (see auth)"))
        }
        checks.append(
            await check("users", api, "/api/users") { status, body in
                switch status {
                case 200:
                    let count = (try? JSONSerialization.jsonObject(with: body) as? [Any])?.count ?? 0
                    return (.pass, "\(count) users")
                case 403: return (.pass, "exists (an admin token is needed for the count)")
                default: return (.warn, "HTTP \(status)")
                }
            })
        checks.append(
            await check("web_ui", api, "/login") { status, body in
                (status == 200 ? .pass : .fail, "HTTP \(status), \(body.count) bytes")
            })
        checks.append(
            await check("api_docs", api, "/openapi.json") { status, _ in
                switch status {
                case 200: return (.pass, "the contract is published at /openapi.json")
                case 404: return (.skip, "this server publishes no OpenAPI document (an older version)")
                default: return (.fail, "HTTP \(status)")
                }
            })
        return VerifyReport(checks: checks)
    }

    /// One check on `path`: `judge` turns the answer's status and body into a result; an unreachable server fails.
    private func check(
        _ name: String, _ api: APIClient, _ path: String,
        judge: (Int, Data) -> (VerifyReport.Status, String)
    ) async -> VerifyReport.Check {
        do {
            let (status, detail) = judge(200, try await api.send(.GET, path))
            return .init(name: name, status: status, detail: detail)
        } catch ClientError.server(let code, _) {
            let (status, detail) = judge(code, Data())
            return .init(name: name, status: status, detail: detail)
        } catch {
            return .init(name: name, status: .fail, detail: "\(error)")
        }
    }

    /// A client with the stored token; `ClientError.notLoggedIn` without one.
    private func authorized() throws -> APIClient {
        guard let token = try session.currentToken() else { throw ClientError.notLoggedIn }
        return APIClient(server: session.server, token: token)
    }
}

/// The outcome of `da setup verify`: `{"overall": "pass|fail|warn", "checks": [{"name", "status", "detail"}]}`.
public struct VerifyReport: Sendable, Equatable {
    /// One check's result; `skip` means not applicable to this server and counts as a pass.
    public enum Status: String, Sendable {
        case pass, warn, fail, skip
    }

    /// A named check with its result and what was seen.
    public struct Check: Sendable, Equatable {
        /// `server`, `auth`, `data`, `users`, `web_ui` or `api_docs`.
        public var name: String
        /// The result.
        public var status: Status
        /// What was seen, for a person.
        public var detail: String
    }

    /// The checks, in the order they ran.
    public var checks: [Check]

    /// `fail` if any check failed, else `warn` if any warned, else `pass`.
    public var overall: Status {
        if checks.contains(where: { $0.status == .fail }) { return .fail }
        return checks.contains(where: { $0.status == .warn }) ? .warn : .pass
    }

    /// The report as JSON-ready values.
    public var json: [String: Any] {
        [
            "overall": overall.rawValue,
            "checks": checks.map { ["name": $0.name, "status": $0.status.rawValue, "detail": $0.detail] },
        ]
    }
}
