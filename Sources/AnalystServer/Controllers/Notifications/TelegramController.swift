import AnalystAPI
import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import Messaging

/// `/api/telegram` (reference §1.12): the signed-in user links the chat whose `/start` gave them a code (`verify`),
/// unlinks it, and reads the link's status; and `POST /api/telegram/webhook`, where Telegram posts updates in webhook
/// mode, authenticated only by the secret header (compared in constant time; without a webhook every post is refused
/// with 404, fail closed).
///
/// Wrong codes count against the user (10 per 15 minutes), so six digits cannot be walked through.
struct TelegramController {
    let links: TelegramLinks
    /// `nil` unless the server runs the bot in webhook mode.
    let webhook: TelegramWebhook?
    let verifyLimiter: RateLimiter

    init(links: TelegramLinks, webhook: TelegramWebhook?, verifyLimiter: RateLimiter = RateLimiter(limit: 10, window: .seconds(15 * 60))) {
        self.links = links
        self.webhook = webhook
        self.verifyLimiter = verifyLimiter
    }

    static let secretHeader: HTTPField.Name = {
        guard let name = HTTPField.Name(TelegramWebhook.secretHeaderName) else { preconditionFailure("not a header name") }
        return name
    }()

    /// `user`: signed-in routes (`api/telegram` behind authentication); `public`: the webhook (`api/telegram`, no
    /// user authentication).
    func addRoutes(user: RouterGroup<AppRequestContext>, public: RouterGroup<AppRequestContext>) {
        user.post("verify") { request, context in try await verify(request, context) }
        user.post("unlink") { _, context -> WireResponse<Schemas.TelegramUnlinked> in
            try await links.unlink(userID: try context.requireUser().id)
            return WireResponse(Schemas.TelegramUnlinked(status: .unlinked))
        }
        user.get("status") { _, context -> WireResponse<Schemas.TelegramLinkStatus> in
            guard let link = try await links.status(userID: try context.requireUser().id) else {
                return WireResponse(Schemas.TelegramLinkStatus(linked: false, chatId: nil, linkedAt: nil))
            }
            return WireResponse(Schemas.TelegramLinkStatus(linked: true, chatId: link.chatID, linkedAt: link.linkedAt))
        }
        `public`.post("webhook") { request, _ in try await receive(request) }
    }

    func verify(_ request: Request, _ context: AppRequestContext) async throws -> WireResponse<Schemas.TelegramLinked> {
        let user = try context.requireUser()
        let body = try await request.decodeJSON(Schemas.TelegramVerification.self)
        let chatID = try await link(code: body.code, for: user)
        return WireResponse(Schemas.TelegramLinked(status: .linked, chatId: chatID))
    }

    /// Links the chat whose `/start` gave `code` to `user`; 400 for a wrong or expired code, 429 after too many.
    func link(code: String, for user: User) async throws -> Int64 {
        let keys = ["telegram-code:" + user.id]
        if let wait = await verifyLimiter.retryAfter(keys: keys) {
            throw RateLimitedError(retryAfter: wait, what: "Too many wrong Telegram codes")
        }
        guard let chatID = try await links.verify(code: code, userID: user.id) else {
            await verifyLimiter.record(keys: keys)
            throw APIError(.badRequest, "Invalid or expired code")
        }
        return chatID
    }

    func receive(_ request: Request) async throws -> WireResponse<Schemas.TelegramWebhookAccepted> {
        guard let webhook else {
            throw APIError(
                .notFound, "The Telegram webhook is not enabled on this server (telegram.webhook_url and TELEGRAM_WEBHOOK_SECRET)")
        }
        guard webhook.verify(secretHeader: request.headers[TelegramController.secretHeader]) else {
            throw APIError(.unauthorized, "Invalid secret token")
        }
        var request = request
        let body = Data(buffer: try await request.collectBody(upTo: 1 << 20))
        guard let update = try? JSONDecoder().decode(Telegram.Update.self, from: body) else {
            throw APIError(.badRequest, "The body is not a Telegram update")
        }
        guard webhook.accept(update) else {
            throw APIError(.serviceUnavailable, "Too many Telegram updates are waiting; try again later")
        }
        return WireResponse(Schemas.TelegramWebhookAccepted(ok: true))
    }
}
