import AnalystCore
import Foundation
import Hummingbird

/// Records every API call in the audit log: user, method and route pattern, the concrete path and what it named
/// (the route's `id`, else its path parameters), query parameters
/// and the fields of a small JSON body (secrets removed), status, duration, client address and request id.
/// Recording only buffers, so it adds no I/O to the request. Health checks are not recorded (probes would drown
/// everything else). Bodies that are not JSON or larger than `largestRecordedBody` (uploads) are not read here, nor
/// are the bodies of `/api/upload/…` (file contents, not parameters) and of Jira's webhook (issues, not parameters).
struct AuditMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let audit: AuditLog
    static let largestRecordedBody = 64 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        // Health probes (a load balancer's every few seconds) are not audited.
        guard path != "/api/health" && !path.hasPrefix("/api/health/") else { return try await next(request, context) }
        let started = ContinuousClock.now
        var request = request
        var jsonBody: Data?
        if AuditMiddleware.isSmallJSON(request) {
            jsonBody = Data(buffer: try await request.collectBody(upTo: AuditMiddleware.largestRecordedBody))
        }
        var status = 500
        defer {
            let milliseconds = started.duration(to: .now).milliseconds
            let pattern = context.endpointPath ?? request.uri.path
            audit.record(
                AuditEntry(
                    userID: context.identity.userID, action: "\(request.method.rawValue) \(pattern)",
                    resource: AuditMiddleware.resource(context.parameters), path: request.uri.path,
                    params: AuditEntry.redactedParams(
                        query: request.uri.queryParameters.map { (String($0.key), String($0.value)) }, jsonBody: jsonBody),
                    status: status, durationMilliseconds: (milliseconds * 100).rounded() / 100,
                    clientAddress: context.clientAddress, requestID: context.id))
        }
        let response = try await next(request, context)
        status = Int(response.status.code)
        return response
    }

    /// The route's `id` parameter, else all of its path parameters joined by `/` (`sales/revenue` for a metric).
    static func resource(_ parameters: Parameters) -> String? {
        if let id = parameters.get("id") { return id }
        guard !parameters.isEmpty else { return nil }
        return parameters.map { String($0.value) }.joined(separator: "/")
    }

    /// A JSON body whose declared length is small enough to read twice (here and in the handler), outside uploads.
    static func isSmallJSON(_ request: Request) -> Bool {
        // Uploads carry file contents and webhooks other systems' records, not parameters of the call.
        let path = request.uri.path
        guard !path.hasPrefix("/api/upload/"), !path.hasPrefix("/api/jira/"), !path.hasPrefix("/webhooks/"),
            let type = request.headers[.contentType]?.lowercased(),
            type.hasPrefix("application/json"),
            let length = request.headers[.contentLength].flatMap({ Int($0) })
        else { return false }
        return length <= largestRecordedBody
    }
}
