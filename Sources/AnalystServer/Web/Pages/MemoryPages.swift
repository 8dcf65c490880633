import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// Corporate memory in the browser. `/memory`: ranked search, filters by category and status, votes, and a form
/// to propose an item. `/memory/review` (km_admin and above): the review queue with approve / reject (reason) /
/// mandate / revoke per item and in batches, edits, the collector's runs and the governance audit. Every action
/// goes through `MemoryController` (the API's own checks, audit entries and answers).
struct MemoryPages {
    let ui: WebUI
    let memory: MemoryController
    let audit: AuditLog
    let users: UserRepository
    /// Whether an AI provider is configured (the collector can run).
    let collectorConfigured: Bool

    static let perPage = 20
    /// Items on one page of the review queue.
    static let reviewPerPage = 50

    static let notices = [
        "proposed": "Thanks: your item is waiting for review.",
        "voted": "Your vote is counted.",
        "done": "Done.",
        "edited": "The item is saved.",
        "collected": "The collector ran; its run is listed below.",
    ]

    func addRoutes(pages: RouterGroup<AppRequestContext>, reviewers: RouterGroup<AppRequestContext>) {
        pages.get("memory") { request, context in try await list(request, context: context) }
        pages.post("memory") { request, context in try await propose(request, context: context) }
        pages.post("memory/:id/vote") { request, context in try await vote(request, context: context) }
        reviewers.get("memory/review") { request, context in try await review(request, context: context) }
        reviewers.post("memory/review/action") { request, context in try await act(request, context: context) }
        reviewers.post("memory/review/collect") { _, context in
            _ = await memory.collector.collect(trigger: "manual by \(try context.requireUser().email)")
            return WebUI.redirect(to: "/memory/review", notice: "collected")
        }
        reviewers.get("memory/items/:id/edit") { request, context in try await editForm(request, context: context) }
        reviewers.post("memory/items/:id/edit") { request, context in try await edit(request, context: context) }
    }

    // MARK: - Values

    /// An item as a card shows it.
    struct Item: Sendable {
        let id: String
        let title: String
        let content: String
        let category: String
        let tags: String?
        let status: String
        let mandatory: Bool
        let upvotes: Int
        let downvotes: Int
        let votedUp: Bool
        let votedDown: Bool
        let audience: String
        let contributors: String?
        let updated: WebFormat.Moment?
        let reason: String?
        let sensitivity: String?
        let revisionOf: String?
        let editHref: String
        let voteAction: String
        let checkboxID: String
    }

    struct ListValues: Sendable {
        let query: String
        let categories: [WebUI.Choice]
        let statuses: [WebUI.Choice]
        let items: [Item]
        let empty: Bool
        let filtered: Bool
        let total: Int
        let stats: [WebUI.Choice]
        let previous: String?
        let next: String?
        let pageText: String
        let categoryNames: [String]
        let draftTitle: String
        let draftContent: String
        let draftCategory: String
        let draftTags: String
        let reviewer: Bool
        /// This list's address, where a vote returns to.
        let back: String
    }

    func item(_ item: KnowledgeItem, myVote: Int?, position: Int) -> Item {
        Item(
            id: item.id, title: item.title, content: item.content, category: item.category,
            tags: MemoryPages.nonEmpty(item.tags.joined(separator: ", ")), status: item.status.rawValue,
            mandatory: item.status == .mandatory,
            upvotes: item.upvotes, downvotes: item.downvotes, votedUp: myVote == 1, votedDown: myVote == -1,
            audience: item.audience.text, contributors: MemoryPages.nonEmpty(item.contributors.joined(separator: ", ")),
            updated: WebFormat.moment(item.updatedAt), reason: MemoryPages.nonEmpty(item.reason),
            sensitivity: MemoryPages.nonEmpty(item.sensitivity), revisionOf: MemoryPages.nonEmpty(item.revisionOf),
            editHref: "/memory/items/\(WebFormat.segment(item.id))/edit",
            voteAction: "/memory/\(WebFormat.segment(item.id))/vote", checkboxID: "pick-\(position)")
    }

    /// `nil` for an absent or empty text: a template section shows for any string, even an empty one.
    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    // MARK: - The list

    func list(
        _ request: Request, context: AppRequestContext, problem: String? = nil, status: HTTPResponse.Status = .ok,
        draft: WebForm? = nil
    ) async throws -> Response {
        let user = try context.requireUser()
        let query = request.pageQuery
        let text = query["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let category = query["category"] ?? ""
        let statusText = query["status"] ?? ""
        let page = max(1, min(1_000_000, query["page"].flatMap { Int($0) } ?? 1))
        var filter = KnowledgeStore.Filter(page: page, perPage: MemoryPages.perPage)
        filter.search = text.isEmpty ? nil : text
        filter.category = category.isEmpty ? nil : category
        filter.status = KnowledgeItem.Status(rawValue: statusText)
        let found = try await memory.store.list(for: user, filter)
        let votes = try await memory.store.votes(of: user)
        let stats = try await memory.store.stats(for: user)
        let items = found.items.enumerated().map { item($0.element, myVote: votes[$0.element.id], position: $0.offset) }
        func link(_ page: Int) -> String {
            "/memory" + WebFormat.query([("q", text), ("category", category), ("status", statusText), ("page", String(page))])
        }
        let pages = max(1, (found.total + MemoryPages.perPage - 1) / MemoryPages.perPage)
        let values = ListValues(
            query: text,
            categories: stats.categories.map { WebUI.Choice(value: $0, label: $0, selected: $0 == category) },
            statuses: KnowledgeItem.Status.allCases.map {
                WebUI.Choice(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == statusText)
            },
            items: items, empty: items.isEmpty, filtered: !(text.isEmpty && category.isEmpty && statusText.isEmpty), total: found.total,
            stats: stats.byStatus.sorted { $0.key < $1.key }.map { WebUI.Choice(value: String($0.value), label: $0.key, selected: false) },
            previous: page > 1 ? link(page - 1) : nil, next: page < pages ? link(page + 1) : nil,
            pageText: "Page \(min(page, pages)) of \(pages)", categoryNames: stats.categories,
            draftTitle: draft?["title"] ?? "", draftContent: draft?["content"] ?? "", draftCategory: draft?["category"] ?? "",
            draftTags: draft?["tags"] ?? "", reviewer: user.role >= .kmAdmin, back: link(page))
        return try ui.page(
            .memory, title: "Corporate memory", values, request: request, context: context, status: status,
            notice: WebUI.notice(request, MemoryPages.notices), problem: problem)
    }

    func propose(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try context.requireForm()
        let tags = (form["tags"] ?? "").split(separator: ",").map(String.init)
        do {
            _ = try await memory.propose(
                title: form["title"] ?? "", content: form["content"] ?? "", category: form["category"] ?? "", tags: tags,
                audience: form.text("audience"), by: try context.requireUser())
        } catch let error as APIError {
            return try await list(request, context: context, problem: error.detail, status: error.status, draft: form)
        } catch let error as any DetailedHTTPError {
            return try await list(request, context: context, problem: error.description, status: error.status, draft: form)
        }
        return WebUI.redirect(to: "/memory", notice: "proposed")
    }

    func vote(_ request: Request, context: AppRequestContext) async throws -> Response {
        let vote = Int((try context.requireForm())["vote"] ?? "") ?? 0
        guard vote == 1 || vote == -1 else { throw APIError(.badRequest, "Vote must be 1 or -1") }
        _ = try await memory.store.vote(vote, on: try context.parameters.require("id"), by: try context.requireUser())
        let back = LoginRedirect.safePath((try context.requireForm())["back"]).flatMap { $0.hasPrefix("/memory") ? $0 : nil } ?? "/memory"
        return WebUI.redirect(to: back, notice: "voted")
    }

    // MARK: - Review

    struct AuditRow: Sendable {
        let when: WebFormat.Moment?
        let who: String
        let action: String
        let item: String
        let details: String
    }

    struct Run: Sendable {
        let started: WebFormat.Moment?
        let trigger: String
        let status: String
        let summary: String
        let error: String?
    }

    struct ReviewValues: Sendable {
        let items: [Item]
        let empty: Bool
        let statuses: [WebUI.Choice]
        let statusLabel: String
        let showing: String
        let previous: String?
        let next: String?
        let audit: [AuditRow]
        let hasAudit: Bool
        let runs: [Run]
        let hasRuns: Bool
        let collectorConfigured: Bool
        let actions: [WebUI.Choice]
    }

    func review(_ request: Request, context: AppRequestContext, problem: String? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        let user = try context.requireUser()
        let statusText = request.pageQuery["status"] ?? "pending"
        let page = max(1, min(1_000_000, request.pageQuery["page"].flatMap { Int($0) } ?? 1))
        var filter = KnowledgeStore.Filter(page: page, perPage: MemoryPages.reviewPerPage)
        filter.status = KnowledgeItem.Status(rawValue: statusText) ?? .pending
        let found = try await memory.store.list(for: user, filter)
        let pages = max(1, (found.total + MemoryPages.reviewPerPage - 1) / MemoryPages.reviewPerPage)
        try await audit.flush()
        let names = Dictionary(try await users.list().map { ($0.id, $0.email) }, uniquingKeysWith: { first, _ in first })
        let entries = try await audit.governance(action: nil, limit: 50, offset: 0).map { entry in
            AuditRow(
                when: WebFormat.moment(entry.timestamp), who: entry.userID.flatMap { names[$0] } ?? "—",
                action: entry.action.replacingOccurrences(of: "km_", with: ""), item: entry.resource ?? "",
                details: MemoryPages.readable(params: entry.params))
        }
        let runs = try await memory.store.collections(limit: 10).map { run in
            Run(
                started: WebFormat.moment(run.startedAt), trigger: run.trigger, status: run.status.rawValue,
                summary: "\(run.notesChanged) of \(run.notesRead) notes changed; \(run.created) new, \(run.merged) merged, "
                    + "\(run.revisions) revisions, \(run.flagged) flagged",
                error: MemoryPages.nonEmpty(run.error))
        }
        let items = found.items.enumerated().map { item($0.element, myVote: nil, position: $0.offset) }
        let shownStatus = filter.status?.rawValue ?? "pending"
        let values = ReviewValues(
            items: items, empty: items.isEmpty,
            statuses: KnowledgeItem.Status.allCases.map {
                WebUI.Choice(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == shownStatus)
            },
            statusLabel: shownStatus,
            showing: "\(items.count) of \(found.total) \(shownStatus) items" + (pages > 1 ? " (page \(min(page, pages)) of \(pages))" : ""),
            previous: page > 1 ? "/memory/review?status=\(shownStatus)&page=\(page - 1)" : nil,
            next: page < pages ? "/memory/review?status=\(shownStatus)&page=\(page + 1)" : nil, audit: entries,
            hasAudit: !entries.isEmpty, runs: runs, hasRuns: !runs.isEmpty, collectorConfigured: collectorConfigured,
            actions: KnowledgeAction.allCases.map { WebUI.Choice(value: $0.rawValue, label: $0.rawValue, selected: false) })
        return try ui.page(
            .memoryReview, title: "Review corporate memory", values, request: request, context: context, status: status,
            notice: WebUI.notice(request, MemoryPages.notices), problem: problem)
    }

    /// `{"reason":"dup"}` → `reason: dup`.
    static func readable(params: String?) -> String {
        guard let params, let data = params.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return params ?? "" }
        return object.keys.sorted().map { "\($0): \(object[$0].map { "\($0)" } ?? "")" }.joined(separator: "; ")
    }

    /// One action on one item (`item_id`) or on the checked items (`ids`), with an optional reason.
    func act(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try context.requireForm()
        guard let action = KnowledgeAction(rawValue: form["action"] ?? "") else {
            return try await review(request, context: context, problem: "Choose an action.", status: .unprocessableContent)
        }
        let ids = form["item_id"].map { [$0] } ?? form.values("ids")
        guard !ids.isEmpty else {
            return try await review(request, context: context, problem: "Tick at least one item.", status: .unprocessableContent)
        }
        guard ids.count <= 500 else {
            return try await review(request, context: context, problem: "At most 500 items at once.", status: .unprocessableContent)
        }
        let reason = form.text("reason")
        if action == .reject, reason == nil {
            return try await review(request, context: context, problem: "Say why the item is rejected.", status: .unprocessableContent)
        }
        let outcomes = try await memory.govern(action, ids: ids, reason: reason, audience: nil, by: try context.requireUser())
        let refused = outcomes.compactMap { outcome -> String? in
            switch outcome.outcome {
            case .done: return nil
            case .notFound: return "\(outcome.id): not found"
            case .refused(let why): return "\(outcome.id): \(why)"
            }
        }
        guard refused.isEmpty else {
            let done = outcomes.count - refused.count
            return try await review(
                request, context: context, problem: "\(done) done; not done: " + refused.joined(separator: "; "), status: .conflict)
        }
        let back =
            form["back"].flatMap { KnowledgeItem.Status(rawValue: $0) }.map { "/memory/review?status=\($0.rawValue)" } ?? "/memory/review"
        return WebUI.redirect(to: back, notice: "done")
    }

    // MARK: - Edit

    struct EditValues: Sendable {
        let id: String
        let action: String
        let title: String
        let content: String
        let category: String
        let tags: String
        let status: String
    }

    func editForm(
        _ request: Request, context: AppRequestContext, draft: WebForm? = nil, problem: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let item = try await memory.store.item(id, for: try context.requireUser()) else { throw KnowledgeError.notFound }
        let values = EditValues(
            id: id, action: "/memory/items/\(WebFormat.segment(id))/edit", title: draft?["title"] ?? item.title,
            content: draft?["content"] ?? item.content, category: draft?["category"] ?? item.category,
            tags: draft?["tags"] ?? item.tags.joined(separator: ", "), status: item.status.rawValue)
        return try ui.page(
            .memoryEdit, title: "Edit “\(item.title)”", values, request: request, context: context, status: status, problem: problem)
    }

    func edit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let form = try context.requireForm()
        do {
            _ = try await memory.edit(
                id, title: form["title"], content: form["content"], category: form["category"],
                tags: form["tags"].map { $0.split(separator: ",").map(String.init) }, by: try context.requireUser())
        } catch let error as APIError {
            return try await editForm(request, context: context, draft: form, problem: error.detail, status: error.status)
        }
        return WebUI.redirect(to: "/memory/review", notice: "edited")
    }
}
