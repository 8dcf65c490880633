import AnalystCore
import Foundation
import Hummingbird

/// Records every API call in the audit log: user, method and route pattern, the route's `id`, query parameters
/// (secrets removed), status, duration, client address and request id. Recording only buffers, so it adds no
/// I/O to the request. Health checks are not recorded (probes would drown everything else).
struct AuditMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let audit: AuditLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.uri.path != "/api/health" else { return try await next(request, context) }
        let started = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = started.duration(to: .now)
            let milliseconds = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
            let pattern = context.endpointPath ?? request.uri.path
            audit.record(
                AuditEntry(
                    userID: context.identity.userID, action: "\(request.method.rawValue) \(pattern)",
                    resource: context.parameters.get("id"),
                    params: AuditEntry.redactedParams(request.uri.queryParameters.map { (String($0.key), String($0.value)) }),
                    status: status, durationMilliseconds: (milliseconds * 100).rounded() / 100,
                    clientAddress: context.clientAddress, requestID: context.id))
        }
        let response = try await next(request, context)
        status = Int(response.status.code)
        return response
    }
}
