import AnalystAPI
import AnalystCore
import Connectors
import DuckDB
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /api/jira/webhook` (and the reference's `/webhooks/jira`): Jira's webhook. The signature (HMAC-SHA256 of the
/// raw body with `JIRA_WEBHOOK_SECRET`) is the only authentication, so without a secret every event is refused
/// (503, fail closed). An accepted event is stored durably in the Jira source's queue before the 200; it is applied
/// from there. `GET …/health` shows the configuration and the queue.
struct JiraWebhookController {
    let settings: JiraSettings
    let processor: JiraProcessor
    var queue: JiraEventQueue { processor.queue }

    /// Jira's signature headers: the SHA-256 one first, the older name as a fallback.
    static let signatureHeaders: [HTTPField.Name] = ["X-Hub-Signature-256", "X-Hub-Signature"].map { name in
        guard let field = HTTPField.Name(name) else { preconditionFailure("not a header name: \(name)") }
        return field
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("webhook") { request, _ in try await receive(request) }
        group.get("webhook/health") { _, _ in await health() }
    }

    /// The reference's paths: `/webhooks/jira` and `/webhooks/jira/health`.
    func addLegacyRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("jira") { request, _ in try await receive(request) }
        group.get("jira/health") { _, _ in await health() }
    }

    func receive(_ request: Request) async throws -> WireResponse<Schemas.JiraWebhookAccepted> {
        guard let secret = settings.webhookSecret else {
            throw APIError(.serviceUnavailable, "The Jira webhook is not configured: set JIRA_WEBHOOK_SECRET on the server")
        }
        var request = request
        let body = Data(buffer: try await request.collectBody(upTo: settings.maxEventBytes))
        let signature = JiraWebhookController.signatureHeaders.lazy.compactMap { request.headers[$0] }.first
        guard JiraWebhookSignature.isValid(signature, body: body, secret: secret) else {
            throw APIError(.unauthorized, "Invalid signature")
        }
        guard let event = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw APIError(.badRequest, "The body is not a JSON object")
        }
        let id = try await queue.appendInBackground(body)
        processor.wake()
        let issue = (event["issue"] as? [String: Any])?["key"] as? String ?? event["issue_key"] as? String
        return WireResponse(.init(status: .ok, event: event["webhookEvent"] as? String, issue: issue, queued: id))
    }

    func health() async -> WireResponse<Schemas.JiraWebhookHealth> {
        let queue = self.queue
        let status =
            (try? await BlockingExecutor.shared.run { queue.status() })
            ?? JiraEventQueue.Status(depth: 0, lastEventAt: nil, lastError: "the event queue could not be read")
        return WireResponse(
            .init(
                status: .ok, configured: settings.isConfigured, secretSet: settings.webhookSecret != nil,
                jiraDomain: settings.baseURL?.host, queueDepth: status.depth, lastEvent: status.lastEventAt,
                lastError: status.lastError, lastApplied: processor.lastAppliedAt, staleIssues: processor.staleKeys.count))
    }
}
