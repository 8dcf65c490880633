import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// `/api/scripts` (reference §1.9) with owner rules — a user lists, runs and undeploys their own scripts, an admin
/// all of them; viewers cannot deploy or run — and `/api/notifications` (a user's notifications and their images).
struct ScriptsController {
    let runner: ScriptRunner
    let users: UserRepository

    /// The largest script source.
    static let maxSourceBytes = 256 << 10

    /// `user`: any signed-in user; `analyst`: analyst and above (deploy and run).
    func addRoutes(
        user: RouterGroup<AppRequestContext>, analyst: RouterGroup<AppRequestContext>, notifications: RouterGroup<AppRequestContext>
    ) {
        user.get { _, context -> WireResponse<Schemas.ScriptList> in
            let caller = try context.requireUser()
            let scripts = try await runner.store.list(ownerID: caller.role == .admin ? nil : caller.id)
            return WireResponse(.init(scripts: scripts.map(Schemas.Script.init), count: scripts.count))
        }
        analyst.post("deploy") { request, context -> WireResponse<Schemas.ScriptDeployed> in
            let caller = try context.requireUser()
            let body = try await request.decodeJSON(Schemas.ScriptDeployment.self, limit: Self.maxSourceBytes * 6 + 4096)
            let name = try Self.name(body.name)
            let source = try Self.source(body.source)
            let schedule: ScriptSchedule?
            do {
                let text = (body.schedule ?? "").trimmingCharacters(in: .whitespaces)
                schedule = text.isEmpty ? nil : try ScriptSchedule(parsing: text)
            } catch let error as ScriptSchedule.Invalid {
                throw APIError(.unprocessableContent, "schedule: \(error.description)")
            }
            do {
                let script = try await runner.store.deploy(ownerID: caller.id, name: name, source: source, schedule: schedule)
                return WireResponse(.init(id: script.id, name: script.name, schedule: script.schedule, owner: caller.id), status: .created)
            } catch ScriptStore.Refusal.nameTaken(let name) {
                throw APIError(.conflict, "You already have a script named \"\(name)\"; undeploy it first or choose another name")
            }
        }
        analyst.post("run") { request, context -> WireResponse<Schemas.ScriptRunResult> in
            let caller = try context.requireUser()
            let body = try await request.decodeJSON(Schemas.ScriptAdhocRun.self, limit: Self.maxSourceBytes * 6 + 4096)
            guard let text = body.source, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw APIError(.badRequest, "Script source required")
            }
            let source = try Self.source(text)
            let name = try Self.name(body.name ?? "adhoc")
            return WireResponse(try await run(source: source, name: name, scriptID: nil, owner: caller, trigger: "adhoc"))
        }
        user.delete(":id") { _, context -> Response in
            let script = try await ownScript(context)
            try await runner.store.delete(id: script.id)
            return Response(status: .noContent)
        }
        analyst.post(":id/run") { _, context -> WireResponse<Schemas.ScriptRunResult> in
            let script = try await ownScript(context)
            // An admin runs someone else's script as its owner: it reads what the owner may read.
            guard let owner = try await users.find(id: script.ownerID) else { throw APIError(.notFound, "Script not found") }
            return WireResponse(
                try await run(source: script.source, name: script.name, scriptID: script.id, owner: owner, trigger: "manual"))
        }
        user.get(":id/runs") { request, context -> WireResponse<Schemas.ScriptRunList> in
            let script = try await ownScript(context)
            let limitText = request.uri.queryParameters["limit"].map(String.init) ?? "50"
            guard let limit = Int(limitText), (1...1000).contains(limit) else {
                throw APIError(.unprocessableContent, "limit must be a number from 1 to 1000")
            }
            let runs = try await runner.store.runs(scriptID: script.id, limit: limit)
            return WireResponse(.init(runs: runs.map(Schemas.ScriptRun.init), count: runs.count))
        }

        notifications.get { request, context -> WireResponse<Schemas.NotificationList> in
            let caller = try context.requireUser()
            let query = request.uri.queryParameters
            guard let limit = Int(query["limit"].map(String.init) ?? "50"), (1...500).contains(limit) else {
                throw APIError(.unprocessableContent, "limit must be a number from 1 to 500")
            }
            guard let offset = Int(query["offset"].map(String.init) ?? "0"), (0...1_000_000).contains(offset) else {
                throw APIError(.unprocessableContent, "offset must be a number from 0 to 1000000")
            }
            let list = try await runner.store.notifications(userID: caller.id, limit: limit, offset: offset)
            return WireResponse(.init(notifications: list.map(Schemas.Notification.init), count: list.count))
        }
        notifications.get("images/:file") { _, context -> Response in
            let caller = try context.requireUser()
            let file = try context.parameters.require("file")
            // Only a name this user's notifications hold reaches the disk.
            guard UploadFilename.isSafe(file), try await runner.store.ownsImage(userID: caller.id, file: file) else {
                throw APIError(.notFound, "Image not found")
            }
            let path = runner.imagesFolder.appendingPathComponent(file).path
            guard let data = FileManager.default.contents(atPath: path) else { throw APIError(.notFound, "Image not found") }
            var headers = HTTPFields()
            headers[.contentType] = file.hasSuffix(".png") ? "image/png" : "image/jpeg"
            headers[.cacheControl] = "private, max-age=86400"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: data)))
        }
    }

    /// The script named by the path, if the caller owns it or is an admin; 404 otherwise (others' scripts do not exist
    /// for them).
    private func ownScript(_ context: AppRequestContext) async throws -> ScriptStore.Script {
        let caller = try context.requireUser()
        guard let script = try await runner.store.script(id: try context.parameters.require("id")),
            script.ownerID == caller.id || caller.role == .admin
        else { throw APIError(.notFound, "Script not found") }
        return script
    }

    private func run(source: String, name: String, scriptID: String?, owner: User, trigger: String) async throws
        -> Schemas.ScriptRunResult
    {
        do {
            let outcome = try await runner.run(source: source, name: name, scriptID: scriptID, owner: owner, trigger: trigger)
            let result = outcome.result
            return .init(
                name: name, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, truncated: result.truncated,
                killedBy: result.killedBy?.rawValue, durationMs: outcome.run.durationMilliseconds, notified: outcome.run.notified,
                coolingDown: outcome.coolingDown, outputError: outcome.outputError, runId: outcome.run.id)
        } catch let error as ScriptSandbox.Unavailable {
            throw APIError(.serviceUnavailable, "Scripts cannot run on this server: \(error.description)")
        }
    }

    static func name(_ text: String) throws -> String {
        let name = text.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count),
            name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) })
        else {
            throw APIError(.unprocessableContent, "name must be 1 to 100 letters, digits, _, - or . (got \"\(text.prefix(120))\")")
        }
        return name
    }

    static func source(_ text: String) throws -> String {
        guard text.utf8.count <= maxSourceBytes else {
            throw APIError(.contentTooLarge, "The script is larger than \(maxSourceBytes >> 10) KiB")
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError(.badRequest, "Script source required") }
        if let refusal = ScriptWordList.refusal(text) { throw APIError(.badRequest, refusal) }
        return text
    }
}

extension Schemas.Script {
    init(_ script: ScriptStore.Script) {
        self.init(
            id: script.id, name: script.name, owner: script.ownerID, ownerEmail: script.ownerEmail, source: script.source,
            schedule: script.schedule, createdAt: script.createdAt, updatedAt: script.updatedAt, nextRunAt: script.nextRunAt)
    }
}

extension Schemas.ScriptRun {
    init(_ run: ScriptStore.Run) {
        self.init(
            id: run.id, scriptId: run.scriptID, name: run.name, trigger: run.trigger, startedAt: run.startedAt,
            durationMs: run.durationMilliseconds, exitCode: run.exitCode, outputBytes: run.outputBytes, truncated: run.truncated,
            notified: run.notified, killedBy: run.killedBy, error: run.error)
    }
}

extension Schemas.Notification {
    init(_ notification: ScriptStore.Notification) {
        self.init(
            id: notification.id, scriptId: notification.scriptID, script: notification.scriptName, title: notification.title,
            message: notification.message, imageUrl: notification.imageFile.map { "/api/notifications/images/\($0)" },
            data: notification.data, timestamp: notification.createdAt)
    }
}
