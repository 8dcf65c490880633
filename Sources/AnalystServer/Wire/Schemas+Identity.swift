import AnalystAPI
import AnalystCore

extension Schemas.Role {
    init(_ role: Role) {
        switch role {
        case .viewer: self = .viewer
        case .analyst: self = .analyst
        case .kmAdmin: self = .kmAdmin
        case .admin: self = .admin
        }
    }
}

extension Role {
    init(_ role: Schemas.Role) {
        switch role {
        case .viewer: self = .viewer
        case .analyst: self = .analyst
        case .kmAdmin: self = .kmAdmin
        case .admin: self = .admin
        }
    }
}

extension Schemas.User {
    /// A user as the API shows it (never the password hash).
    init(_ user: User) {
        self.init(id: user.id, email: user.email, name: user.name, role: .init(user.role), createdAt: user.createdAt)
    }
}

extension Schemas.PersonalAccessToken {
    init(_ token: PersonalAccessTokens.Token) {
        self.init(
            id: token.id, name: token.name, prefix: token.prefix, createdAt: token.createdAt, expiresAt: token.expiresAt)
    }
}

extension Schemas.TokenCreated {
    /// The answer to creation: the token and its secret, shown this once.
    init(_ token: PersonalAccessTokens.Token, secret: String) {
        self.init(
            id: token.id, name: token.name, prefix: token.prefix, createdAt: token.createdAt, expiresAt: token.expiresAt,
            token: secret)
    }
}

extension Schemas.Permission {
    init(_ grant: Permissions.Grant) {
        self.init(userId: grant.userID, dataset: grant.dataset, access: .init(grant.access))
    }
}

extension Schemas.PermissionAccess {
    init(_ access: Permissions.Access) {
        switch access {
        case .read: self = .read
        case .none: self = .none
        }
    }
}

extension Permissions.Access {
    init(_ access: Schemas.PermissionAccess) {
        switch access {
        case .read: self = .read
        case .none: self = .none
        }
    }
}

extension Schemas.AccessRequest {
    init(_ request: Permissions.AccessRequest) {
        self.init(
            id: request.id, userId: request.userID, userEmail: request.userEmail, tableId: request.tableID,
            reason: request.reason, status: .init(rawValue: request.status) ?? .pending, reviewedBy: request.reviewedBy,
            reviewedAt: request.reviewedAt, createdAt: request.createdAt)
    }
}

extension Schemas.AuditEntry {
    init(_ entry: AuditEntry) {
        self.init(
            id: entry.id, timestamp: entry.timestamp, userId: entry.userID, action: entry.action, resource: entry.resource,
            path: entry.path, params: entry.params, status: entry.status, durationMs: entry.durationMilliseconds,
            clientAddress: entry.clientAddress, requestId: entry.requestID)
    }
}
