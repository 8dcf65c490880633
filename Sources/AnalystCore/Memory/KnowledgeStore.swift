import DuckDB
import Foundation

/// `knowledge_items` and `knowledge_votes` in the system database: proposing, voting, listing what a user may see,
/// and the km_admins' governance. Every status change is one transaction that checks the status it starts from, so
/// two km_admins acting on one item at once give one result and one refusal.
public struct KnowledgeStore: Sendable {
    public let system: SystemDatabase
    /// In `threshold` approval mode, the upvotes that approve a pending item (`corporate_memory.threshold`); items
    /// the sensitivity check flagged still wait for a km_admin.
    public let approvingUpvotes: Int?

    public init(system: SystemDatabase, approvingUpvotes: Int? = nil) {
        self.system = system
        self.approvingUpvotes = approvingUpvotes
    }

    /// What a listing returns: a page of items and how many match in all.
    public struct Page: Sendable {
        public var items: [KnowledgeItem]
        public var total: Int
    }

    /// The filters of a listing.
    public struct Filter: Sendable {
        public var status: KnowledgeItem.Status?
        public var category: String?
        /// Words searched in the title, content and tags, best match first (`KnowledgeSearch`).
        public var search: String?
        public var page = 1
        public var perPage = 50

        public init(status: KnowledgeItem.Status? = nil, category: String? = nil, search: String? = nil, page: Int = 1, perPage: Int = 50) {
            self.status = status
            self.category = category
            self.search = search
            self.page = page
            self.perPage = perPage
        }
    }

    static let columns = """
        k.id, k.title, k.content, k.category, k.tags, k.status, k.contributors, k.source_user, k.audience, k.source,
        k.created_at, k.updated_at, k.approved_by, k.approved_at, k.reason, k.edited_by, k.edited_at, k.review_by,
        k.duplicates, coalesce(v.up, 0), coalesce(v.down, 0), k.sensitivity, k.revision_of
        """
    static let votes = """
        LEFT JOIN (SELECT item_id, count(*) FILTER (vote = 1) AS up, count(*) FILTER (vote = -1) AS down
                   FROM knowledge_votes GROUP BY item_id) v ON v.item_id = k.id
        """

    /// The condition that limits items to what `user` may see: everything for km_admins and admins (they govern
    /// every item), else the items whose audience names them.
    static func audienceCondition(for user: User) -> (String, [Value]) {
        user.role >= .kmAdmin ? ("TRUE", []) : audienceCondition(email: user.email, role: user.role)
    }

    /// The condition that an item's audience is everyone, `role`, or a list holding `email`.
    static func audienceCondition(email: String, role: Role) -> (String, [Value]) {
        (
            """
            (k.audience = 'all' OR k.audience = ? OR (starts_with(k.audience, 'users:')
              AND list_contains(string_split(substr(k.audience, 7), ','), ?)))
            """, [.varchar("role:" + role.rawValue), .varchar(email.lowercased())]
        )
    }

    // MARK: - Reading

    /// The items `user` may see that match `filter`: the best match first when searching, else the newest change.
    public func list(for user: User, _ filter: Filter) async throws -> Page {
        let (audience, audienceParameters) = KnowledgeStore.audienceCondition(for: user)
        var conditions = [audience]
        var parameters = audienceParameters
        if let status = filter.status {
            conditions.append("k.status = ?")
            parameters.append(.varchar(status.rawValue))
        }
        if let category = filter.category {
            conditions.append("k.category = ?")
            parameters.append(.varchar(category))
        }
        let search = (filter.search?.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0.isEmpty ? nil : $0 }
        let condition = conditions.joined(separator: " AND ")
        let bound = parameters
        let offset = (max(filter.page, 1) - 1) * filter.perPage
        return try await system.withConnection { connection in
            var plan = KnowledgeSearch.Plan(
                join: "", joinParameters: [], condition: "TRUE", conditionParameters: [], order: "k.updated_at DESC, k.id")
            if let search { plan = KnowledgeSearch.plan(search, on: connection) }
            let from = "FROM knowledge_items k \(KnowledgeStore.votes) \(plan.join) WHERE \(condition) AND \(plan.condition)"
            let parameters = plan.joinParameters + bound + plan.conditionParameters
            // The total rides along as a window count, so a search is ranked once (BM25 over every item is the
            // expensive part); only a page past the end asks for it separately.
            let rows = try connection.query(
                "SELECT \(KnowledgeStore.columns), count(*) OVER () \(from) ORDER BY \(plan.order) LIMIT ? OFFSET ?",
                parameters + [.bigint(Int64(filter.perPage)), .bigint(Int64(offset))]
            ).rows()
            let total =
                if let counted = rows.first?.last?.int64Value {
                    counted
                } else if offset == 0 {
                    Int64(0)
                } else {
                    try connection.query("SELECT count(*) \(from)", parameters).scalar()?.int64Value ?? 0
                }
            return Page(items: rows.compactMap(KnowledgeStore.item), total: Int(total))
        }
    }

    /// One item, if `user` may see it.
    public func item(_ id: String, for user: User) async throws -> KnowledgeItem? {
        let (audience, parameters) = KnowledgeStore.audienceCondition(for: user)
        return try await system.withConnection { connection in
            try connection.query(
                "SELECT \(KnowledgeStore.columns) FROM knowledge_items k \(KnowledgeStore.votes) WHERE k.id = ? AND \(audience)",
                [.varchar(id)] + parameters
            ).rows().first.flatMap(KnowledgeStore.item)
        }
    }

    /// Counts by status and the categories in use, over what `user` may see.
    public func stats(for user: User) async throws -> (total: Int, byStatus: [String: Int], categories: [String]) {
        let (audience, parameters) = KnowledgeStore.audienceCondition(for: user)
        return try await system.withConnection { connection in
            var byStatus: [String: Int] = [:]
            for row in try connection.query(
                "SELECT k.status, count(*) FROM knowledge_items k WHERE \(audience) GROUP BY k.status", parameters
            ).rows() {
                if let status = row[0].stringValue { byStatus[status] = Int(row[1].int64Value ?? 0) }
            }
            let categories = try connection.query(
                "SELECT DISTINCT k.category FROM knowledge_items k WHERE \(audience) AND k.category IS NOT NULL ORDER BY 1",
                parameters
            ).rows().compactMap { $0[0].stringValue }
            return (byStatus.values.reduce(0, +), byStatus, categories)
        }
    }

    /// `user`'s votes by item id.
    public func votes(of user: User) async throws -> [String: Int] {
        try await system.withConnection { connection in
            var votes: [String: Int] = [:]
            for row in try connection.query("SELECT item_id, vote FROM knowledge_votes WHERE user_id = ?", [.varchar(user.id)]).rows() {
                if let id = row[0].stringValue, let vote = row[1].int64Value { votes[id] = Int(vote) }
            }
            return votes
        }
    }

    // MARK: - Writing

    /// Stores a proposal (status `pending`); returns its id.
    public func create(
        title: String, content: String, category: String, tags: [String], audience: KnowledgeAudience, by user: User,
        source: String = "manual"
    ) async throws -> String {
        let id = UUID().uuidString.lowercased()
        _ = try await writing { connection in
            try connection.run(
                """
                INSERT INTO knowledge_items (id, title, content, category, tags, status, contributors, source_user, audience, source,
                    created_at, updated_at, duplicates)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, now(), now(), [])
                """,
                [
                    .varchar(id), .varchar(title), .varchar(content), .varchar(category), .list(tags.map(Value.varchar)),
                    .list([.varchar(user.email)]), .varchar(user.email), .varchar(audience.text), .varchar(source),
                ])
        }
        return id
    }

    /// Records `user`'s vote (1 or -1; a second vote replaces the first); returns the item's counts. In `threshold`
    /// mode the vote that brings a pending item to the threshold approves it.
    public func vote(_ vote: Int, on id: String, by user: User) async throws -> (upvotes: Int, downvotes: Int) {
        guard vote == 1 || vote == -1 else { throw KnowledgeError.invalid("Vote must be 1 or -1") }
        guard try await item(id, for: user) != nil else { throw KnowledgeError.notFound }
        return try await writing { connection in
            // Two votes of one user on one item at once (two tabs): the second runs again on the first's row.
            _ = try SystemDatabase.retryingConflicts {
                try connection.run(
                    """
                    INSERT INTO knowledge_votes (item_id, user_id, vote, voted_at) VALUES (?, ?, ?, now())
                    ON CONFLICT (item_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at
                    """, [.varchar(id), .varchar(user.id), .integer(Int32(vote))])
            }
            let row = try connection.query(
                "SELECT count(*) FILTER (vote = 1), count(*) FILTER (vote = -1) FROM knowledge_votes WHERE item_id = ?", [.varchar(id)]
            ).rows().first
            let counts = (upvotes: Int(row?[0].int64Value ?? 0), downvotes: Int(row?[1].int64Value ?? 0))
            if let threshold = approvingUpvotes, counts.upvotes >= threshold {
                _ = try SystemDatabase.retryingConflicts {
                    try connection.run(
                        """
                        UPDATE knowledge_items SET status = 'approved', approved_by = 'threshold', approved_at = now(), updated_at = now(),
                            reason = ? WHERE id = ? AND status = 'pending' AND sensitivity IS NULL
                        """, [.varchar("reached \(threshold) upvotes"), .varchar(id)])
                }
            }
            return counts
        }
    }

    /// What a governance action did to one item.
    public enum Outcome: Sendable, Equatable {
        case done
        case notFound
        case refused(String)
    }

    /// Applies `action` to each item that allows it (`KnowledgeAction.allowedFrom`), with the reason and, when
    /// given, a new audience; returns each item's outcome in order.
    public func apply(
        _ action: KnowledgeAction, to ids: [String], reason: String?, audience: KnowledgeAudience?, by admin: User
    ) async throws -> [(id: String, outcome: Outcome)] {
        try await writing { connection in
            try ids.map { id in
                (
                    id,
                    try SystemDatabase.retryingConflicts { try KnowledgeStore.transition(connection, id, action, reason, audience, admin) }
                )
            }
        }
    }

    private static func transition(
        _ connection: Connection, _ id: String, _ action: KnowledgeAction, _ reason: String?, _ audience: KnowledgeAudience?,
        _ admin: User
    ) throws -> Outcome {
        try connection.transaction {
            guard
                let row = try connection.query("SELECT status, revision_of FROM knowledge_items WHERE id = ?", [.varchar(id)]).rows().first,
                let text = row[0].stringValue
            else { return .notFound }
            let status = KnowledgeItem.Status(rawValue: text) ?? .pending
            guard action.allowedFrom.contains(status) else { return .refused(action.refusal(from: status)) }
            let approves = action == .approve || action == .mandate
            try connection.run(
                """
                UPDATE knowledge_items SET status = ?, reason = ?, audience = coalesce(?, audience), updated_at = now(),
                    approved_by = CASE WHEN ? THEN ? ELSE approved_by END, approved_at = CASE WHEN ? THEN now() ELSE approved_at END
                WHERE id = ?
                """,
                [
                    .varchar(action.target.rawValue), reason.map(Value.varchar) ?? .null, audience.map { .varchar($0.text) } ?? .null,
                    .boolean(approves), .varchar(admin.email), .boolean(approves), .varchar(id),
                ])
            if approves, let revised = row[1].stringValue {
                // An approved revision replaces the item it revises.
                try connection.run(
                    """
                    UPDATE knowledge_items SET status = 'revoked', reason = 'replaced by its revision ' || ?, updated_at = now()
                    WHERE id = ? AND status IN ('approved', 'mandatory')
                    """, [.varchar(id), .varchar(revised)])
            }
            return .done
        }
    }

    /// Changes an item's text, category or tags; returns the fields changed (in the order given).
    public func edit(
        _ id: String, title: String?, content: String?, category: String?, tags: [String]?, by admin: User
    ) async throws -> [String] {
        var assignments: [String] = []
        var parameters: [Value] = []
        var fields: [String] = []
        for (field, value) in [("title", title), ("content", content), ("category", category)] {
            guard let value else { continue }
            assignments.append("\(field) = ?")
            parameters.append(.varchar(value))
            fields.append(field)
        }
        if let tags {
            assignments.append("tags = ?")
            parameters.append(.list(tags.map(Value.varchar)))
            fields.append("tags")
        }
        let changes = assignments.joined(separator: ", ")
        let values = parameters
        // Two edits of one item at once: DuckDB refuses the second, which then runs again on the first's result.
        let updated = try await writing { connection in
            try SystemDatabase.retryingConflicts {
                try connection.run(
                    "UPDATE knowledge_items SET \(changes.isEmpty ? "" : changes + ", ")edited_by = ?, edited_at = now(), updated_at = now() WHERE id = ?",
                    values + [.varchar(admin.email), .varchar(id)])
            }
        }
        guard updated > 0 else { throw KnowledgeError.notFound }
        return fields
    }

    // MARK: - Rows

    /// Runs a write to the knowledge tables, then empties the rules cache (also when it fails: it may have been
    /// committed before the error).
    func writing<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        defer { system.rulesCache.invalidateAll() }
        return try await system.withConnection(body)
    }

    static func item(_ row: [Value]) -> KnowledgeItem? {
        guard row.count >= 23, let id = row[0].stringValue, let title = row[1].stringValue else { return nil }
        func strings(_ value: Value) -> [String] {
            if case .list(let values) = value { return values.compactMap(\.stringValue) }
            return []
        }
        func date(_ value: Value) -> Date? {
            if case .timestamp(let stamp) = value { return stamp.date }
            return nil
        }
        return KnowledgeItem(
            id: id, title: title, content: row[2].stringValue ?? "", category: row[3].stringValue ?? "", tags: strings(row[4]),
            status: row[5].stringValue.flatMap(KnowledgeItem.Status.init) ?? .pending, contributors: strings(row[6]),
            sourceUser: row[7].stringValue, audience: (try? KnowledgeAudience(parsing: row[8].stringValue)) ?? .everyone,
            source: row[9].stringValue ?? "manual", createdAt: date(row[10]) ?? Date(timeIntervalSince1970: 0),
            updatedAt: date(row[11]) ?? Date(timeIntervalSince1970: 0), approvedBy: row[12].stringValue, approvedAt: date(row[13]),
            reason: row[14].stringValue, editedBy: row[15].stringValue, editedAt: date(row[16]), reviewBy: date(row[17]),
            duplicates: strings(row[18]), upvotes: Int(row[19].int64Value ?? 0), downvotes: Int(row[20].int64Value ?? 0),
            sensitivity: row[21].stringValue, revisionOf: row[22].stringValue)
    }
}
