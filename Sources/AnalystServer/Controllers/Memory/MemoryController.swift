import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// `/api/memory` (reference §1.7): knowledge items for the caller's audience, proposals, votes, and the km_admins'
/// governance under `/api/memory/admin` (approve, reject, mandate, revoke, edit, batch, pending, audit, and the
/// collector: collect, collections). Every
/// governance action is also recorded in the audit log as `km_<action>` with the item's id as the resource.
struct MemoryController {
    let store: KnowledgeStore
    let audit: AuditLog
    let collector: MemoryCollector

    /// `user` routes need any signed-in user; `kmAdmin` routes need km_admin or above.
    func addRoutes(user: RouterGroup<AppRequestContext>, kmAdmin: RouterGroup<AppRequestContext>) {
        user.get { request, context -> WireResponse<Schemas.KnowledgeList> in
            let query = request.uri.queryParameters
            var filter = try MemoryController.paging(query)
            if let status = query["status_filter"].map(String.init), !status.isEmpty {
                guard let parsed = KnowledgeItem.Status(rawValue: status) else {
                    throw APIError(.unprocessableContent, "status_filter must be one of \(MemoryController.statuses)")
                }
                filter.status = parsed
            }
            filter.category = query["category"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            filter.search = query["search"].map(String.init)
            return try await list(filter, for: try context.requireUser())
        }
        user.post { request, context -> WireResponse<Schemas.KnowledgeCreated> in
            let body = try await request.decodeJSON(Schemas.KnowledgeCreation.self)
            let id = try await propose(
                title: body.title, content: body.content, category: body.category, tags: body.tags ?? [], audience: body.audience,
                by: try context.requireUser())
            return WireResponse(.init(id: id, status: .pending), status: .created)
        }
        user.get("rules") { _, context -> WireResponse<Schemas.KnowledgeRules> in
            let rules = try await store.rules(for: try context.requireUser())
            return WireResponse(
                .init(hash: rules.hash, files: rules.files.map { .init(name: $0.name, category: $0.category, content: $0.content) }))
        }
        user.get("stats") { _, context -> WireResponse<Schemas.KnowledgeStats> in
            let stats = try await store.stats(for: try context.requireUser())
            return WireResponse(
                .init(total: stats.total, byStatus: .init(additionalProperties: stats.byStatus), categories: stats.categories))
        }
        user.get("my-votes") { _, context -> WireResponse<[String: Int]> in
            WireResponse(try await store.votes(of: try context.requireUser()))
        }
        user.get(":item_id") { _, context -> WireResponse<Schemas.KnowledgeItem> in
            guard let item = try await store.item(try context.parameters.require("item_id"), for: try context.requireUser()) else {
                throw KnowledgeError.notFound
            }
            return WireResponse(Schemas.KnowledgeItem(item))
        }
        user.post(":item_id/vote") { request, context -> WireResponse<Schemas.KnowledgeVoteCounts> in
            let body = try await request.decodeJSON(Schemas.KnowledgeVote.self)
            guard body.vote == 1 || body.vote == -1 else { throw APIError(.badRequest, "Vote must be 1 or -1") }
            let counts = try await store.vote(body.vote, on: try context.parameters.require("item_id"), by: try context.requireUser())
            return WireResponse(.init(upvotes: counts.upvotes, downvotes: counts.downvotes))
        }

        for action in KnowledgeAction.allCases {
            kmAdmin.post(RouterPath(action.rawValue)) { request, context -> WireResponse<Schemas.KnowledgeStatusChange> in
                let id = try MemoryController.itemID(request)
                // Approval takes no body in the reference; the others require one (an empty body is a 422).
                let review: Schemas.KnowledgeReview =
                    action == .approve
                    ? (try? await request.decodeJSON(Schemas.KnowledgeReview.self)) ?? .init()
                    : try await request.decodeJSON(Schemas.KnowledgeReview.self)
                let audience = try review.audience.map { try KnowledgeAudience(parsing: $0) }
                let outcome = try await govern(action, ids: [id], reason: review.reason, audience: audience, by: try context.requireUser())
                switch outcome.first?.outcome {
                case .done?: return WireResponse(.init(id: id, status: .init(action.target)))
                case .refused(let reason)?: throw APIError(.conflict, reason)
                case .notFound?, nil: throw KnowledgeError.notFound
                }
            }
        }
        kmAdmin.post("edit") { request, context -> WireResponse<Schemas.KnowledgeEdited> in
            let id = try MemoryController.itemID(request)
            let body = try await request.decodeJSON(Schemas.KnowledgeEdit.self)
            let updated = try await edit(
                id, title: body.title, content: body.content, category: body.category, tags: body.tags, by: try context.requireUser())
            return WireResponse(.init(id: id, updated: updated))
        }
        kmAdmin.post("batch") { request, context -> WireResponse<Schemas.KnowledgeBatchResult> in
            let body = try await request.decodeJSON(Schemas.KnowledgeBatch.self)
            guard let action = KnowledgeAction(rawValue: body.action) else { throw APIError(.badRequest, "Invalid action: \(body.action)") }
            guard body.itemIds.count <= 500 else { throw APIError(.unprocessableContent, "item_ids may list at most 500 items") }
            let audience = try body.audience.map { try KnowledgeAudience(parsing: $0) }
            var result = Schemas.KnowledgeBatchResult(success: [], notFound: [], refused: [])
            for (id, outcome) in try await govern(
                action, ids: body.itemIds, reason: body.reason, audience: audience, by: try context.requireUser())
            {
                switch outcome {
                case .done: result.success.append(id)
                case .notFound: result.notFound.append(id)
                case .refused(let reason): result.refused.append(.init(id: id, reason: reason))
                }
            }
            return WireResponse(result)
        }
        kmAdmin.get("pending") { request, context -> WireResponse<Schemas.KnowledgeList> in
            var filter = try MemoryController.paging(request.uri.queryParameters)
            filter.status = .pending
            filter.category = request.uri.queryParameters["category"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            return try await list(filter, for: try context.requireUser())
        }
        kmAdmin.post("collect") { _, context -> WireResponse<Schemas.MemoryCollection> in
            let report = await collector.collect(trigger: "manual by \(try context.requireUser().email)")
            return WireResponse(.init(report))
        }
        kmAdmin.get("collections") { request, _ -> WireResponse<[Schemas.MemoryCollection]> in
            let filter = try MemoryController.paging(request.uri.queryParameters)
            return WireResponse(try await store.collections(limit: filter.perPage).map(Schemas.MemoryCollection.init))
        }
        kmAdmin.get("audit") { request, _ -> WireResponse<Schemas.KnowledgeAudit> in
            let query = request.uri.queryParameters
            let filter = try MemoryController.paging(query)
            try await audit.flush()
            let action = query["action"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let entries = try await audit.governance(
                action: action.map { "km_" + $0 }, limit: filter.perPage, offset: (filter.page - 1) * filter.perPage)
            return WireResponse(.init(entries: entries.map(Schemas.AuditEntry.init), count: entries.count))
        }
    }

    /// A new pending item proposed by `user`; 422 for an empty or too long title, content or category, too many
    /// tags, or an audience that does not parse.
    func propose(title: String, content: String, category: String, tags: [String], audience: String?, by user: User)
        async throws -> String
    {
        try await store.create(
            title: try MemoryController.text(title, "title", limit: 200),
            content: try MemoryController.text(content, "content", limit: 20_000),
            category: try MemoryController.text(category, "category", limit: 100), tags: try MemoryController.tags(tags),
            audience: try KnowledgeAudience(parsing: audience), by: user)
    }

    /// Applies a governance action to `ids` (each one atomically) and records each done one in the audit log.
    func govern(_ action: KnowledgeAction, ids: [String], reason: String?, audience: KnowledgeAudience?, by admin: User)
        async throws -> [(id: String, outcome: KnowledgeStore.Outcome)]
    {
        let outcomes = try await store.apply(action, to: ids, reason: reason, audience: audience, by: admin)
        for (id, outcome) in outcomes where outcome == .done {
            record(action, id, by: admin, reason: reason, audience: audience)
        }
        return outcomes
    }

    /// Edits the given fields of an item (validated as for a proposal); the names of the fields changed.
    func edit(_ id: String, title: String?, content: String?, category: String?, tags: [String]?, by admin: User)
        async throws -> [String]
    {
        let updated = try await store.edit(
            id, title: try title.map { try MemoryController.text($0, "title", limit: 200) },
            content: try content.map { try MemoryController.text($0, "content", limit: 20_000) },
            category: try category.map { try MemoryController.text($0, "category", limit: 100) },
            tags: try tags.map(MemoryController.tags), by: admin)
        audit.record(MemoryController.entry("km_edit", id, by: admin, params: ["updated": updated.joined(separator: ",")]))
        return updated
    }

    private func list(_ filter: KnowledgeStore.Filter, for user: User) async throws -> WireResponse<Schemas.KnowledgeList> {
        let page = try await store.list(for: user, filter)
        return WireResponse(
            .init(
                items: page.items.map(Schemas.KnowledgeItem.init), count: page.items.count, total: page.total, page: filter.page,
                perPage: filter.perPage))
    }

    private func record(_ action: KnowledgeAction, _ id: String, by admin: User, reason: String?, audience: KnowledgeAudience?) {
        var params: [String: String] = [:]
        params["reason"] = reason
        params["audience"] = audience?.text
        audit.record(MemoryController.entry("km_" + action.rawValue, id, by: admin, params: params))
    }

    static func entry(_ action: String, _ id: String, by admin: User, params: [String: String]) -> AuditEntry {
        let json = (try? JSONSerialization.data(withJSONObject: params, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
        return AuditEntry(
            userID: admin.id, action: action, resource: id, params: json, status: 200, durationMilliseconds: 0, clientAddress: nil,
            requestID: nil)
    }

    static let statuses = KnowledgeItem.Status.allCases.map(\.rawValue).joined(separator: ", ")

    /// `page` (1–1,000,000; the bound keeps the offset far from overflowing) and `per_page` (1–200, default 50).
    static func paging(_ query: Parameters) throws -> KnowledgeStore.Filter {
        let page =
            try query["page"].map { text -> Int in
                guard let page = Int(text), (1...1_000_000).contains(page) else {
                    throw APIError(.unprocessableContent, "page must be a number from 1 to 1000000")
                }
                return page
            } ?? 1
        let perPage =
            try query["per_page"].map { text -> Int in
                guard let size = Int(text), (1...200).contains(size) else {
                    throw APIError(.unprocessableContent, "per_page must be a number from 1 to 200")
                }
                return size
            } ?? 50
        return KnowledgeStore.Filter(page: page, perPage: perPage)
    }

    static func itemID(_ request: Request) throws -> String {
        guard let id = request.uri.queryParameters["item_id"].map(String.init), !id.isEmpty else {
            throw APIError(.unprocessableContent, "query parameter \"item_id\" is required")
        }
        return id
    }

    /// A trimmed, non-empty text of at most `limit` characters.
    static func text(_ value: String, _ field: String, limit: Int) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw APIError(.unprocessableContent, "\(field) must not be empty") }
        guard trimmed.count <= limit else { throw APIError(.unprocessableContent, "\(field) must be at most \(limit) characters") }
        return trimmed
    }

    static func tags(_ tags: [String]) throws -> [String] {
        let cleaned = tags.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard cleaned.count <= 20, cleaned.allSatisfy({ $0.count <= 50 }) else {
            throw APIError(.unprocessableContent, "tags: at most 20, each at most 50 characters")
        }
        var seen = Set<String>()
        return cleaned.filter { seen.insert($0).inserted }
    }
}

extension Schemas.KnowledgeItem {
    init(_ item: KnowledgeItem) {
        self.init(
            id: item.id, title: item.title, content: item.content, category: item.category, tags: item.tags,
            status: .init(item.status), contributors: item.contributors, sourceUser: item.sourceUser, audience: item.audience.text,
            source: item.source, createdAt: item.createdAt, updatedAt: item.updatedAt, approvedBy: item.approvedBy,
            approvedAt: item.approvedAt, reason: item.reason, editedBy: item.editedBy, editedAt: item.editedAt,
            reviewBy: item.reviewBy, duplicates: item.duplicates, upvotes: item.upvotes, downvotes: item.downvotes, score: item.score,
            sensitivity: item.sensitivity, revisionOf: item.revisionOf)
    }
}

extension Schemas.MemoryCollection {
    init(_ report: CollectionReport) {
        self.init(
            id: report.id, trigger: report.trigger, startedAt: report.startedAt, status: .init(rawValue: report.status.rawValue) ?? .failed,
            notesRead: report.notesRead, notesChanged: report.notesChanged, created: report.created, merged: report.merged,
            revisions: report.revisions, flagged: report.flagged, error: report.error)
    }
}

extension Schemas.KnowledgeStatus {
    init(_ status: KnowledgeItem.Status) {
        self = Schemas.KnowledgeStatus(rawValue: status.rawValue) ?? .pending
    }
}
