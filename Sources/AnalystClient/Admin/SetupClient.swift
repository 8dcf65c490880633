import AnalystAPI
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
        do {
            var members: [(key: Node, value: Node)] = []
            if let text = try? String(contentsOf: file, encoding: .utf8), case .mapping(let mapping)? = try? Yams.compose(yaml: text) {
                members = mapping.filter { $0.key.string != "server" }
            }
            members.append((Node("server"), try server.represented()))
            members.sort { ($0.key.string ?? "") < ($1.key.string ?? "") }
            let yaml = try Yams.serialize(node: .mapping(Node.Mapping(members.map { ($0.key, $0.value) })))
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temporary = directory.appendingPathComponent(".config.yaml.tmp")
            try Data(yaml.utf8).write(to: temporary)
            guard rename(temporary.path, file.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            throw ClientError.badLocalFile(path: file.path, reason: "cannot write it (\(error))")
        }
        return file
    }

    /// Creates the first admin (`POST /auth/bootstrap`, only while the server has no users; 403 after) and stores
    /// the token in `token.json` like a login.
    public func bootstrap(email: String, name: String?, password: String?) async throws -> StoredToken {
        let request = Schemas.BootstrapRequest(email: email, name: name, password: password)
        let grant = try await APIClient(server: session.server, token: nil)
            .send(.POST, "/auth/bootstrap", body: request, as: Schemas.TokenGrant.self)
        let stored = StoredToken(accessToken: grant.accessToken, email: grant.email, role: grant.role.rawValue, server: session.server)
        try session.store.save(stored)
        return stored
    }

    /// The server's health report (`GET /api/health`).
    public func health() async throws -> ServerAnswer<Schemas.HealthReport> {
        try await APIClient(server: session.server, token: nil).exchange(.GET, "/api/health", as: Schemas.HealthReport.self)
    }

    /// Starts a sync of every registered table (`POST /api/sync/trigger`, admin).
    public func triggerSync() async throws -> ServerAnswer<Schemas.SyncTriggered> {
        try await session.authorizedClient().exchange(.POST, "/api/sync/trigger", as: Schemas.SyncTriggered.self)
    }

    /// A sync job (`GET /api/sync/jobs/{id}`).
    public func syncJob(id: String) async throws -> ServerAnswer<Schemas.SyncJob> {
        try await session.authorizedClient().exchange(.GET, "/api/sync/jobs/\(AdminClient.component(id))", as: Schemas.SyncJob.self)
    }

    /// Runs the checks of `da setup verify` (the reference's, in its order); stops after `server` when unreachable.
    public func verify() async -> VerifyReport {
        var checks: [VerifyReport.Check] = []
        do {
            let status = try await health().value.status.rawValue
            checks.append(.init(name: "server", status: status == "healthy" ? .pass : .warn, detail: status))
        } catch {
            checks.append(.init(name: "server", status: .fail, detail: "\(error)"))
            return VerifyReport(checks: checks)
        }
        let token = try? session.currentToken()
        let api = APIClient(server: session.server, token: token)
        var manifest: Schemas.SyncManifest?
        if token == nil {
            checks.append(.init(name: "auth", status: .fail, detail: "no token: run da auth login"))
        } else {
            do {
                manifest = try await api.get("/api/sync/manifest", as: Schemas.SyncManifest.self)
                checks.append(.init(name: "auth", status: .pass, detail: "token valid"))
            } catch {
                checks.append(.init(name: "auth", status: .fail, detail: "\(error)"))
            }
        }
        if let tables = manifest?.tables.additionalProperties {
            let rows = tables.values.reduce(Int64(0)) { $0 + $1.rows }
            checks.append(
                tables.isEmpty
                    ? .init(name: "data", status: .warn, detail: "0 tables: run da setup first-sync")
                    : .init(name: "data", status: .pass, detail: "\(tables.count) tables, \(rows) rows"))
        } else {
            checks.append(.init(name: "data", status: .fail, detail: "no manifest (see auth)"))
        }
        do {
            let users = try await api.get("/api/users", as: [Schemas.User].self)
            checks.append(.init(name: "users", status: .pass, detail: "\(users.count) users"))
        } catch ClientError.server(403, _) {
            checks.append(.init(name: "users", status: .pass, detail: "exists (an admin token is needed for the count)"))
        } catch ClientError.server(let status, _) {
            checks.append(.init(name: "users", status: .warn, detail: "HTTP \(status)"))
        } catch {
            checks.append(.init(name: "users", status: .fail, detail: "\(error)"))
        }
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
}

/// The outcome of `da setup verify`: `{"overall": "pass|fail|warn", "checks": [{"name", "status", "detail"}]}`.
public struct VerifyReport: Sendable, Equatable, Encodable {
    /// One check's result; `skip` means not applicable to this server and counts as a pass.
    public enum Status: String, Sendable, Encodable {
        case pass, warn, fail, skip
    }

    /// A named check with its result and what was seen.
    public struct Check: Sendable, Equatable, Encodable {
        /// `server`, `auth`, `data`, `users`, `web_ui` or `api_docs`.
        public var name: String
        /// The result.
        public var status: Status
        /// What was seen, for a person.
        public var detail: String

        enum CodingKeys: String, CodingKey {
            case detail, name, status
        }
    }

    /// The checks, in the order they ran.
    public var checks: [Check]

    /// `fail` if any check failed, else `warn` if any warned, else `pass`.
    public var overall: Status {
        if checks.contains(where: { $0.status == .fail }) { return .fail }
        return checks.contains(where: { $0.status == .warn }) ? .warn : .pass
    }

    enum CodingKeys: String, CodingKey {
        case checks, overall
    }

    /// `{"checks": [{"detail", "name", "status"}], "overall"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(checks, forKey: .checks)
        try container.encode(overall, forKey: .overall)
    }
}

extension Schemas.SyncJob {
    /// Whether the job has ended (`succeeded`, `partial` or `failed`).
    public var isFinished: Bool { status == .succeeded || status == .partial || status == .failed }
}
