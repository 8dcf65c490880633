import AnalystAPI
import AnalystCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import Synchronization

/// The seeds' scheduler sidecar (`da-server scheduler --api URL --token …`): the server's own scheduling rule run
/// from another process over the API, for deployments that turn the in-server scheduler off
/// (`sync.schedule_check_seconds: 0`). Each tick it reads the registry and each scheduled table's last run
/// (`GET /api/sync/history`), decides what is due with `SyncScheduler.due`, and triggers one job per source
/// (`POST /api/sync/trigger`), skipping tables a job it triggered is still running.
public struct SchedulerSidecar: Sendable {
    let api: URL
    let token: String
    let interval: Duration
    let logger: Logger
    let http: HTTPClient
    private let running = RunningJobs()

    public init(api: URL, token: String, interval: Duration, logger: Logger, http: HTTPClient = .shared) {
        self.api = api
        self.token = token
        self.interval = interval
        self.logger = logger
        self.http = http
    }

    /// Ticks every `interval` until cancelled (SIGTERM/SIGINT end the process's task).
    public func run() async {
        while !Task.isCancelled {
            do {
                try await tick()
            } catch is CancellationError {
                return
            } catch {
                logger.error("the scheduler sidecar could not check schedules", metadata: ["error": "\(error)"])
            }
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }

    /// One check: triggers what is due; returns the table ids triggered, by source.
    @discardableResult
    public func tick(now: Date = Date()) async throws -> [String: [String]] {
        let registry = try await get("/api/admin/registry", as: Schemas.RegistryList.self).tables
        var tables: [RegisteredTable] = []
        var lastRuns: [String: Date] = [:]
        for wire in registry {
            guard let text = wire.syncSchedule, let schedule = SyncSchedule(text) else { continue }
            tables.append(RegisteredTable(id: wire.id, name: wire.name, sourceType: wire.sourceType, syncSchedule: schedule))
            let history = try await get(
                "/api/sync/history?limit=1&table=\(wire.id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? wire.id)",
                as: Schemas.SyncHistory.self)
            lastRuns[wire.id] = history.entries.first?.syncedAt
        }
        let busy = try await busyTables()
        var triggered: [String: [String]] = [:]
        for (source, due) in SyncScheduler.due(tables, lastRuns: lastRuns, now: now).sorted(by: { $0.key < $1.key }) {
            let ready = due.filter { !busy.contains($0) }
            if ready.count < due.count {
                logger.info(
                    "skipping scheduled tables whose previous run is still going",
                    metadata: ["source": "\(source)", "tables": "\(due.filter(busy.contains).joined(separator: ","))"])
            }
            guard !ready.isEmpty else { continue }
            let answer = try await post("/api/sync/trigger", body: ready, as: Schemas.SyncTriggered.self)
            running.add(answer.jobId, tables: ready)
            logger.info("scheduled sync triggered", metadata: ["source": "\(source)", "job": "\(answer.jobId)"])
            triggered[source] = ready
        }
        return triggered
    }

    /// Tables of jobs this sidecar triggered that have not finished (finished and forgotten jobs are dropped).
    private func busyTables() async throws -> Set<String> {
        var busy: Set<String> = []
        for (id, tables) in running.all {
            let job = try? await get("/api/sync/jobs/\(id)", as: Schemas.SyncJob.self)
            if let job, job.status == .queued || job.status == .running {
                busy.formUnion(tables)
            } else {
                running.remove(id)
            }
        }
        return busy
    }

    private func get<Answer: Decodable>(_ path: String, as type: Answer.Type) async throws -> Answer {
        try await send(HTTPClientRequest(url: api.absoluteString.trimmingSuffix("/") + path), as: type)
    }

    private func post<Body: Encodable, Answer: Decodable>(_ path: String, body: Body, as type: Answer.Type) async throws -> Answer {
        var request = HTTPClientRequest(url: api.absoluteString.trimmingSuffix("/") + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        return try await send(request, as: type)
    }

    private func send<Answer: Decodable>(_ request: HTTPClientRequest, as type: Answer.Type) async throws -> Answer {
        var request = request
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await http.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw SidecarError(
                "\(request.method) \(request.url) answered HTTP \(response.status.code): \(String(buffer: body).prefix(300))")
        }
        return try JSONDecoder.wire().decode(Answer.self, from: body)
    }
}

/// A call the sidecar made was refused.
struct SidecarError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The jobs a sidecar triggered, with their tables, until they finish.
private final class RunningJobs: Sendable {
    private let jobs = Mutex<[String: [String]]>([:])
    func add(_ id: String, tables: [String]) { jobs.withLock { $0[id] = tables } }
    func remove(_ id: String) { _ = jobs.withLock { $0.removeValue(forKey: id) } }
    var all: [String: [String]] { jobs.withLock { $0 } }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
