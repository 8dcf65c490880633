import AnalystAPI
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFileSystem
import NIOFoundationCompat
import NIOHTTP1

/// Typed calls for the server's admin routes (users, table registry and uploads, permissions, access requests) and
/// for the caller's own personal access tokens. Answers are the contract's types, with the server's bytes.
public struct AdminClient: Sendable {
    /// The client every call goes through (server, token, deadline, `{"detail"}` errors).
    public let api: APIClient

    /// A client over `api`.
    public init(api: APIClient) {
        self.api = api
    }

    /// A client for the session's server and token; `ClientError.notLoggedIn` when there is no token.
    public init(session: AuthSession) throws {
        self.init(api: try session.authorizedClient())
    }

    // MARK: Users

    /// Every user, ordered by email (`GET /api/users`).
    public func users() async throws -> ServerAnswer<[Schemas.User]> {
        try await api.exchange(.GET, "/api/users", as: [Schemas.User].self)
    }

    /// Creates a user (`POST /api/users`); the server answers 409 for a known email and 422 for an unknown role.
    public func createUser(_ user: Schemas.CreateUserRequest) async throws -> ServerAnswer<Schemas.User> {
        try await api.exchange(.POST, "/api/users", body: user, as: Schemas.User.self)
    }

    /// Changes a user's name or role (`PATCH /api/users/{id}`); 409 when it would demote the last admin.
    public func updateUser(id: String, _ change: Schemas.UpdateUserRequest) async throws -> ServerAnswer<Schemas.User> {
        try await api.exchange(.PATCH, "/api/users/\(AdminClient.component(id))", body: change, as: Schemas.User.self)
    }

    /// Deletes a user and revokes their tokens (`DELETE /api/users/{id}`); 409 for the last admin.
    public func deleteUser(id: String) async throws {
        _ = try await api.send(.DELETE, "/api/users/\(AdminClient.component(id))")
    }

    /// The user `reference` names: an exact id, an email (any case), or a prefix of exactly one user's id.
    public func user(_ reference: String) async throws -> Schemas.User {
        let all = try await users().value
        let wanted = reference.trimmingCharacters(in: .whitespaces)
        if let exact = all.first(where: { $0.id == wanted }) { return exact }
        if let byEmail = all.first(where: { $0.email.lowercased() == wanted.lowercased() }) { return byEmail }
        let prefixed = wanted.count >= 4 ? all.filter { $0.id.hasPrefix(wanted) } : []
        guard prefixed.count <= 1 else { throw AdminError.ambiguousUser(wanted, matches: prefixed.count) }
        guard let user = prefixed.first else { throw AdminError.unknownUser(wanted) }
        return user
    }

    // MARK: Table registry

    /// The registry (`GET /api/admin/registry`).
    public func tables() async throws -> ServerAnswer<Schemas.RegistryList> {
        try await api.exchange(.GET, "/api/admin/registry", as: Schemas.RegistryList.self)
    }

    /// The tables a source offers (`GET /api/admin/discover-tables?source=`).
    public func discoverTables(source: String?) async throws -> ServerAnswer<Schemas.DiscoveredTables> {
        let query = source.map { "?source=\(AdminClient.component($0))" } ?? ""
        return try await api.exchange(.GET, "/api/admin/discover-tables" + query, as: Schemas.DiscoveredTables.self)
    }

    /// What sync runs did, newest first (`GET /api/sync/history?table=&limit=`).
    public func syncHistory(table: String?, limit: Int) async throws -> ServerAnswer<Schemas.SyncHistory> {
        var query = "?limit=\(limit)"
        if let table { query += "&table=\(AdminClient.component(table))" }
        return try await api.exchange(.GET, "/api/sync/history" + query, as: Schemas.SyncHistory.self)
    }

    /// Registers a table (`POST /api/admin/register-table`); 409 when already registered.
    public func registerTable(_ table: Schemas.TableChanges) async throws -> ServerAnswer<Schemas.TableRegistered> {
        try await api.exchange(.POST, "/api/admin/register-table", body: table, as: Schemas.TableRegistered.self)
    }

    /// Changes the fields of a table that `changes` sets (`PUT /api/admin/registry/{id}`).
    public func updateTable(id: String, _ changes: Schemas.TableChanges) async throws -> ServerAnswer<Schemas.TableUpdated> {
        try await api.exchange(.PUT, "/api/admin/registry/\(AdminClient.component(id))", body: changes, as: Schemas.TableUpdated.self)
    }

    /// Removes a table from the registry (`DELETE /api/admin/registry/{id}`).
    public func deleteTable(id: String) async throws {
        _ = try await api.send(.DELETE, "/api/admin/registry/\(AdminClient.component(id))")
    }

    /// Uploads a CSV or parquet file to a registered table of the files source (`POST /api/admin/tables/{id}/upload`),
    /// streamed from disk; the server answers once it is published.
    public func upload(tableID: String, file path: String, timeout: TimeAmount = .hours(1)) async throws -> ServerAnswer<
        Schemas.TableUpload
    > {
        let size = try AdminClient.regularFileSize(path)
        var route = "/api/admin/tables/\(AdminClient.component(tableID))/upload"
        let format = AdminClient.uploadFormat(of: path)
        if let format { route += "?format=\(format)" }
        var request = api.request(.POST, route)
        request.headers.add(name: "Content-Type", value: format == "csv" ? "text/csv" : "application/octet-stream")
        let status: HTTPResponseStatus
        let body: Data
        do {
            (status, body) = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                var streamed = request
                streamed.body = .stream(handle.readChunks(chunkLength: .mebibytes(1)), length: .known(size))
                let response = try await api.httpClient.execute(streamed, timeout: timeout)
                return (response.status, Data(buffer: try await response.body.collect(upTo: 16 << 20)))
            }
        } catch let error as FileSystemError {
            throw ClientError.badLocalFile(path: path, reason: error.message)
        } catch {
            throw ClientError.offline(server: api.server, reason: APIClient.describe(error))
        }
        let answer = try APIClient.successBody(status: status, body: body)
        return ServerAnswer(value: try APIClient.decode(Schemas.TableUpload.self, from: answer, request: "POST \(route)"), body: answer)
    }

    // MARK: Permissions

    /// Every explicit grant (`GET /api/admin/permissions`).
    public func permissions() async throws -> ServerAnswer<Schemas.PermissionList> {
        try await api.exchange(.GET, "/api/admin/permissions", as: Schemas.PermissionList.self)
    }

    /// One user's explicit grants (`GET /api/admin/permissions/{user_id}`).
    public func permissions(userID: String) async throws -> ServerAnswer<Schemas.UserPermissions> {
        try await api.exchange(.GET, "/api/admin/permissions/\(AdminClient.component(userID))", as: Schemas.UserPermissions.self)
    }

    /// Grants `access` on a table id or `<bucket>.*` (`POST /api/admin/permissions`, an upsert).
    public func grant(_ permission: Schemas.PermissionRequest) async throws -> ServerAnswer<Schemas.Permission> {
        try await api.exchange(.POST, "/api/admin/permissions", body: permission, as: Schemas.Permission.self)
    }

    /// Removes a user's grant on a dataset (`DELETE /api/admin/permissions`).
    public func revoke(userID: String, dataset: String) async throws -> ServerAnswer<Schemas.PermissionRevoked> {
        let grant = Schemas.PermissionRequest(userId: userID, dataset: dataset)
        return try await api.exchange(.DELETE, "/api/admin/permissions", body: grant, as: Schemas.PermissionRevoked.self)
    }

    // MARK: Access requests

    /// Requests waiting for review (`GET /api/access-requests/pending`).
    public func pendingAccessRequests() async throws -> ServerAnswer<Schemas.AccessRequestList> {
        try await api.exchange(.GET, "/api/access-requests/pending", as: Schemas.AccessRequestList.self)
    }

    /// Approves (granting `read` on the table) or denies a pending request.
    public func reviewAccessRequest(id: String, approve: Bool) async throws -> ServerAnswer<Schemas.AccessRequestReview> {
        let action = approve ? "approve" : "deny"
        return try await api.exchange(
            .POST, "/api/access-requests/\(AdminClient.component(id))/\(action)", as: Schemas.AccessRequestReview.self)
    }

    // MARK: Personal access tokens (the caller's own)

    /// The caller's personal access tokens, without their secrets (`GET /api/tokens`).
    public func tokens() async throws -> ServerAnswer<[Schemas.PersonalAccessToken]> {
        try await api.exchange(.GET, "/api/tokens", as: [Schemas.PersonalAccessToken].self)
    }

    /// Creates a personal access token; the answer's `token` is the secret, shown only this once.
    public func createToken(_ token: Schemas.CreateTokenRequest) async throws -> ServerAnswer<Schemas.TokenCreated> {
        try await api.exchange(.POST, "/api/tokens", body: token, as: Schemas.TokenCreated.self)
    }

    /// Deletes one of the caller's personal access tokens (`DELETE /api/tokens/{id}`).
    public func revokeToken(id: String) async throws {
        _ = try await api.send(.DELETE, "/api/tokens/\(AdminClient.component(id))")
    }

    // MARK: Helpers

    /// `value` escaped for use as one path segment.
    static func component(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// `csv` or `parquet` from the file's extension; `nil` lets the server look at the content.
    static func uploadFormat(of path: String) -> String? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "csv": "csv"
        case "parquet", "pq": "parquet"
        default: nil
        }
    }

    /// The size of a regular file, or `ClientError.badLocalFile` saying why it cannot be sent.
    static func regularFileSize(_ path: String) throws -> Int64 {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ClientError.badLocalFile(path: path, reason: "no such file")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ClientError.badLocalFile(path: path, reason: "not a regular file")
        }
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// An admin command's argument that names nothing on the server.
public enum AdminError: Error, CustomStringConvertible, Equatable {
    /// No user has this id or email.
    case unknownUser(String)
    /// More than one user's id starts with this.
    case ambiguousUser(String, matches: Int)

    /// The exit code a command ends with after this error: 1.
    public var exitCode: Int32 { 1 }

    /// What is wrong and what to do.
    public var description: String {
        switch self {
        case .unknownUser(let reference):
            return "No user with the id or email \"\(reference)\". See the users with: da admin users list"
        case .ambiguousUser(let reference, let matches):
            return "\"\(reference)\" starts the ids of \(matches) users; give the full id or the email (da admin users list)"
        }
    }
}
