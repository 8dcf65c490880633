import DuckDB
import Foundation

/// Explicit grants (`dataset_permissions`) and analysts' requests for access (`access_requests`).
public struct Permissions: Sendable {
    public let system: SystemDatabase

    public init(system: SystemDatabase) {
        self.system = system
    }

    /// `read` lets a user see a table (or, as `<bucket>.*`, a bucket); `none` hides a table from them.
    public enum Access: String, Sendable, Codable {
        case read, none
    }

    public struct Grant: Sendable, Equatable, Codable {
        public var userID: String
        public var dataset: String
        public var access: Access
    }

    public struct AccessRequest: Sendable, Equatable {
        public var id: String
        public var userID: String
        public var userEmail: String
        public var tableID: String
        public var reason: String
        public var status: String
        public var reviewedBy: String?
        public var reviewedAt: Date?
        public var createdAt: Date
    }

    public enum PermissionError: Error, Equatable, CustomStringConvertible {
        case duplicatePendingRequest
        case requestNotPending

        public var description: String {
            switch self {
            case .duplicatePendingRequest: return "You already have a pending request for this table"
            case .requestNotPending: return "Request not found or already processed"
            }
        }
    }

    /// Sets (inserts or replaces) a user's access to a dataset.
    public func grant(userID: String, dataset: String, access: Access) async throws {
        try await system.withConnection { connection in
            // Two grants of one dataset at once: the second retries and replaces the first.
            try SystemDatabase.retryingConflicts {
                try Permissions.upsert(connection, userID: userID, dataset: dataset, access: access)
            }
        }
    }

    /// Removes a grant; doing so for a grant that does not exist is not an error.
    public func revoke(userID: String, dataset: String) async throws {
        try await system.withConnection { connection in
            try connection.run(
                "DELETE FROM dataset_permissions WHERE user_id = ? AND dataset = ?", [.varchar(userID), .varchar(dataset)])
        }
    }

    /// Every grant (or one user's), ordered by user and dataset.
    public func grants(userID: String? = nil) async throws -> [Grant] {
        try await system.withConnection { connection in
            let filter = userID == nil ? "" : "WHERE user_id = ?"
            return try connection.query(
                "SELECT user_id, dataset, access FROM dataset_permissions \(filter) ORDER BY user_id, dataset",
                userID.map { [.varchar($0)] } ?? []
            ).rows().compactMap { row in
                guard row.count == 3, case .varchar(let user) = row[0], case .varchar(let dataset) = row[1],
                    case .varchar(let accessName) = row[2], let access = Access(rawValue: accessName)
                else { return nil }
                return Grant(userID: user, dataset: dataset, access: access)
            }
        }
    }

    /// Files a request; a second pending request for the same table is refused.
    public func request(user: User, tableID: String, reason: String) async throws -> AccessRequest {
        let request = AccessRequest(
            id: UUID().uuidString.lowercased(), userID: user.id, userEmail: user.email, tableID: tableID, reason: reason,
            status: "pending", reviewedBy: nil, reviewedAt: nil, createdAt: Date())
        try await system.withConnection { connection in
            try connection.transaction {
                let pending = try connection.query(
                    "SELECT count(*) FROM access_requests WHERE user_id = ? AND table_id = ? AND status = 'pending'",
                    [.varchar(user.id), .varchar(tableID)]
                ).scalar()
                if case .bigint(let count) = pending, count > 0 { throw PermissionError.duplicatePendingRequest }
                try connection.run(
                    """
                    INSERT INTO access_requests (id, user_id, user_email, table_id, reason, status, created_at)
                    VALUES (?, ?, ?, ?, ?, 'pending', ?)
                    """,
                    [
                        .varchar(request.id), .varchar(user.id), .varchar(user.email), .varchar(tableID),
                        .varchar(reason), .timestamp(TimestampValue(request.createdAt)),
                    ])
            }
        }
        return request
    }

    /// A user's requests, newest first.
    public func requests(userID: String) async throws -> [AccessRequest] {
        try await selectRequests(where: "user_id = ?", [.varchar(userID)])
    }

    /// Every pending request, oldest first.
    public func pendingRequests() async throws -> [AccessRequest] {
        try await selectRequests(where: "status = 'pending'", [], order: "created_at ASC")
    }

    /// Approves a pending request and grants `read` on its table, in one transaction.
    public func approve(requestID: String, reviewer: User) async throws {
        try await review(requestID: requestID, reviewer: reviewer, status: "approved")
    }

    /// Denies a pending request.
    public func deny(requestID: String, reviewer: User) async throws {
        try await review(requestID: requestID, reviewer: reviewer, status: "denied")
    }

    private func review(requestID: String, reviewer: User, status: String) async throws {
        try await system.withConnection { connection in
            // Two reviews of one request at once: DuckDB refuses the second's update, and its retry finds the request
            // no longer pending (it was a 500 before; the contract fuzzer found it).
            try SystemDatabase.retryingConflicts {
                try reviewPending(requestID: requestID, reviewer: reviewer, status: status, on: connection)
            }
        }
    }

    private func reviewPending(requestID: String, reviewer: User, status: String, on connection: Connection) throws {
        try connection.transaction {
            let rows = try connection.query(
                "SELECT user_id, table_id FROM access_requests WHERE id = ? AND status = 'pending'",
                [.varchar(requestID)]
            ).rows()
            guard let row = rows.first, case .varchar(let userID) = row[0], case .varchar(let tableID) = row[1] else {
                throw PermissionError.requestNotPending
            }
            try connection.run(
                "UPDATE access_requests SET status = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
                [.varchar(status), .varchar(reviewer.email), .timestamp(TimestampValue(Date())), .varchar(requestID)])
            if status == "approved" {
                try Permissions.upsert(connection, userID: userID, dataset: tableID, access: .read)
            }
        }
    }

    private func selectRequests(where condition: String, _ parameters: [Value], order: String = "created_at DESC")
        async throws -> [AccessRequest]
    {
        try await system.withConnection { connection in
            try connection.query(
                """
                SELECT id, user_id, user_email, table_id, reason, status, reviewed_by, reviewed_at, created_at
                FROM access_requests WHERE \(condition) ORDER BY \(order)
                """, parameters
            ).rows().compactMap(Permissions.accessRequest(from:))
        }
    }

    static func upsert(_ connection: Connection, userID: String, dataset: String, access: Access) throws {
        try connection.run(
            """
            INSERT INTO dataset_permissions (user_id, dataset, access) VALUES (?, ?, ?)
            ON CONFLICT (user_id, dataset) DO UPDATE SET access = excluded.access
            """, [.varchar(userID), .varchar(dataset), .varchar(access.rawValue)])
    }

    static func accessRequest(from row: [Value]) -> AccessRequest? {
        guard row.count == 9, case .varchar(let id) = row[0], case .varchar(let userID) = row[1],
            case .varchar(let email) = row[2], case .varchar(let tableID) = row[3], case .varchar(let reason) = row[4],
            case .varchar(let status) = row[5], case .timestamp(let created) = row[8]
        else { return nil }
        var reviewer: String?
        if case .varchar(let value) = row[6] { reviewer = value }
        var reviewed: Date?
        if case .timestamp(let value) = row[7] { reviewed = value.date }
        return AccessRequest(
            id: id, userID: userID, userEmail: email, tableID: tableID, reason: reason, status: status,
            reviewedBy: reviewer, reviewedAt: reviewed, createdAt: created.date)
    }
}
