import AnalystAPI
import Foundation
import NIOCore

/// Typed calls for notification scripts (`/api/scripts`) and the notifications they sent (`/api/notifications`):
/// what `da scripts` does, as the web does.
public struct ScriptsClient: Sendable {
    public let api: APIClient

    /// How long a run may take before `da` stops waiting: the server's wall-time limit (`SCRIPT_TIMEOUT`, 300 s by
    /// default) with room for the sandbox to start and the notification to be delivered.
    public static let runTimeout = TimeAmount.minutes(15)

    public init(api: APIClient) {
        self.api = api
    }

    /// A client for the session's server and token; `ClientError.notLoggedIn` when there is no token.
    public init(session: AuthSession) throws {
        self.init(api: try session.authorizedClient())
    }

    /// The caller's scripts, an admin's list has everyone's (`GET /api/scripts`).
    public func list() async throws -> ServerAnswer<Schemas.ScriptList> {
        try await api.exchange(.GET, "/api/scripts", as: Schemas.ScriptList.self)
    }

    /// Deploys `source` as `name`, on `schedule` (`every 15m`, `daily 07:30` or cron, UTC) or on demand only when `nil`
    /// (`POST /api/scripts/deploy`). A taken name is a 409, a bad schedule a 422.
    public func deploy(name: String, source: String, schedule: String?) async throws -> ServerAnswer<Schemas.ScriptDeployed> {
        try await api.exchange(
            .POST, "/api/scripts/deploy", body: Schemas.ScriptDeployment(name: name, source: source, schedule: schedule),
            as: Schemas.ScriptDeployed.self)
    }

    /// Runs `source` once in the server's sandbox without deploying it (`POST /api/scripts/run`).
    public func runAdhoc(source: String, name: String? = nil) async throws -> ServerAnswer<Schemas.ScriptRunResult> {
        try await api.exchange(
            .POST, "/api/scripts/run", body: Schemas.ScriptAdhocRun(name: name, source: source), as: Schemas.ScriptRunResult.self,
            timeout: ScriptsClient.runTimeout)
    }

    /// Runs a deployed script now (`POST /api/scripts/{id}/run`); waits for it to end.
    public func run(id: String) async throws -> ServerAnswer<Schemas.ScriptRunResult> {
        try await api.exchange(
            .POST, "/api/scripts/\(ScriptsClient.component(id))/run", as: Schemas.ScriptRunResult.self, timeout: ScriptsClient.runTimeout)
    }

    /// Undeploys a script (`DELETE /api/scripts/{id}`); its runs stay in the history.
    public func undeploy(id: String) async throws {
        _ = try await api.send(.DELETE, "/api/scripts/\(ScriptsClient.component(id))")
    }

    /// A script's runs, newest first (`GET /api/scripts/{id}/runs`); `limit` from 1 to 1000.
    public func runs(id: String, limit: Int = 50) async throws -> ServerAnswer<Schemas.ScriptRunList> {
        try await api.exchange(.GET, "/api/scripts/\(ScriptsClient.component(id))/runs?limit=\(limit)", as: Schemas.ScriptRunList.self)
    }

    /// The caller's notifications, latest first (`GET /api/notifications`); `limit` from 1 to 500.
    public func notifications(limit: Int = 50, offset: Int = 0) async throws -> ServerAnswer<Schemas.NotificationList> {
        try await api.exchange(.GET, "/api/notifications?limit=\(limit)&offset=\(offset)", as: Schemas.NotificationList.self)
    }

    /// The caller's own script called `name`. Names are unique per owner, and an admin's list has everyone's scripts,
    /// so the list is narrowed to the caller (`GET /auth/me`). `ClientError.local` saying where to look when there is none.
    public func script(named name: String) async throws -> Schemas.Script {
        async let scripts = list()
        async let me = api.get("/auth/me", as: Schemas.User.self)
        let (list, caller) = try await (scripts.value.scripts, me)
        guard let script = list.first(where: { $0.name == name && $0.owner == caller.id }) else {
            throw ClientError.local("No script named \(name); da scripts list shows yours")
        }
        return script
    }

    static func component(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_"))) ?? id
    }
}
