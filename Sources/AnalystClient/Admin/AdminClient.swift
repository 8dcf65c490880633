import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFileSystem
import NIOFoundationCompat
import NIOHTTP1

/// Typed calls for the server's admin routes (users, table registry and uploads, permissions, access requests) and
/// for the caller's own personal access tokens. Answers are the server's JSON, unchanged.
public struct AdminClient: Sendable {
    /// The client every call goes through (server, token, deadline, `{"detail"}` errors).
    public let api: APIClient

    /// A client over `api`.
    public init(api: APIClient) {
        self.api = api
    }

    /// A client for the session's server and token; `ClientError.notLoggedIn` when there is no token.
    public init(session: AuthSession) throws {
        guard let token = try session.currentToken() else { throw ClientError.notLoggedIn }
        self.init(api: APIClient(server: session.server, token: token))
    }

    // MARK: Users

    /// Every user, ordered by email (`GET /api/users`).
    public func users() async throws -> [[String: Any]] {
        try await array(.GET, "/api/users")
    }

    /// Creates a user (`POST /api/users`); the server answers 409 for a known email and 422 for an unknown role.
    public func createUser(email: String, name: String?, role: String?, password: String?) async throws -> [String: Any] {
        let body = AdminClient.compact(["email": email, "name": name, "role": role, "password": password])
        return try await api.object(.POST, "/api/users", json: body)
    }

    /// Changes a user's name or role (`PATCH /api/users/{id}`); 409 when it would demote the last admin.
    public func updateUser(id: String, name: String? = nil, role: String? = nil) async throws -> [String: Any] {
        try await api.object(.PATCH, "/api/users/\(AdminClient.component(id))", json: AdminClient.compact(["name": name, "role": role]))
    }

    /// Deletes a user and revokes their tokens (`DELETE /api/users/{id}`); 409 for the last admin.
    public func deleteUser(id: String) async throws {
        _ = try await api.send(.DELETE, "/api/users/\(AdminClient.component(id))")
    }

    /// The user `reference` names: an exact id, an email (any case), or a prefix of exactly one user's id.
    public func user(_ reference: String) async throws -> [String: Any] {
        let all = try await users()
        let wanted = reference.trimmingCharacters(in: .whitespaces)
        if let exact = all.first(where: { $0["id"] as? String == wanted }) { return exact }
        if let byEmail = all.first(where: { ($0["email"] as? String)?.lowercased() == wanted.lowercased() }) { return byEmail }
        let prefixed = wanted.count >= 4 ? all.filter { ($0["id"] as? String)?.hasPrefix(wanted) == true } : []
        guard prefixed.count <= 1 else { throw AdminError.ambiguousUser(wanted, matches: prefixed.count) }
        guard let user = prefixed.first else { throw AdminError.unknownUser(wanted) }
        return user
    }

    // MARK: Table registry

    /// Registry fields for `registerTable` and `updateTable`; only the fields that are set are sent.
    public struct TableFields: Sendable, Equatable {
        /// Display name (`name`).
        public var name: String?
        /// `source_type`: `files` or a connector's name.
        public var sourceType: String?
        /// `bucket`: the source's bucket or dataset.
        public var bucket: String?
        /// `source_table`: the table's name in the source.
        public var sourceTable: String?
        /// `query_mode`: `local` or `remote`.
        public var queryMode: String?
        /// `sync_strategy`: `full_refresh`, `incremental` or `partitioned`.
        public var syncStrategy: String?
        /// `sync_schedule`: `every 15m`, `daily 05:00,13:00`, or `""` for none.
        public var syncSchedule: String?
        /// `description`: what the table holds.
        public var description: String?
        /// `is_public`: whether every user may read it.
        public var isPublic: Bool?

        /// Fields with nothing set.
        public init() {}

        /// The API's names of the fields that are set.
        public var names: [String] { json.keys.sorted() }

        /// The JSON body: the fields that are set, in the API's names.
        public var json: [String: Any] {
            AdminClient.compact([
                "name": name, "source_type": sourceType, "bucket": bucket, "source_table": sourceTable, "query_mode": queryMode,
                "sync_strategy": syncStrategy, "sync_schedule": syncSchedule, "description": description, "is_public": isPublic,
            ])
        }
    }

    /// The registry: `{"tables": [row…], "count"}` (`GET /api/admin/registry`).
    public func tables() async throws -> [String: Any] {
        try await api.object(.GET, "/api/admin/registry")
    }

    /// Registers a table (`POST /api/admin/register-table`): `{"id", "name", "status"}`; 409 when already registered.
    public func registerTable(_ fields: TableFields) async throws -> [String: Any] {
        try await api.object(.POST, "/api/admin/register-table", json: fields.json)
    }

    /// Changes the given fields of a table (`PUT /api/admin/registry/{id}`): `{"id", "updated": [fields]}`.
    public func updateTable(id: String, _ fields: TableFields) async throws -> [String: Any] {
        try await api.object(.PUT, "/api/admin/registry/\(AdminClient.component(id))", json: fields.json)
    }

    /// Removes a table from the registry (`DELETE /api/admin/registry/{id}`).
    public func deleteTable(id: String) async throws {
        _ = try await api.send(.DELETE, "/api/admin/registry/\(AdminClient.component(id))")
    }

    /// Uploads a CSV or parquet file to a registered table of the files source (`POST /api/admin/tables/{id}/upload`),
    /// streamed from disk; the server answers `{table_id, rows, size_bytes, hash, columns, job_id}` once it is published.
    public func upload(tableID: String, file path: String, timeout: TimeAmount = .hours(1)) async throws -> [String: Any] {
        let size = try AdminClient.regularFileSize(path)
        var route = "/api/admin/tables/\(AdminClient.component(tableID))/upload"
        let format = AdminClient.uploadFormat(of: path)
        if let format { route += "?format=\(format)" }
        var request = HTTPClientRequest(url: api.server + route)
        request.method = .POST
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "da")
        request.headers.add(name: "Content-Type", value: format == "csv" ? "text/csv" : "application/octet-stream")
        if let token = api.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let status: Int
        let body: Data
        do {
            (status, body) = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                var streamed = request
                streamed.body = .stream(handle.readChunks(chunkLength: .mebibytes(1)), length: .known(size))
                let response = try await api.httpClient.execute(streamed, timeout: timeout)
                return (Int(response.status.code), Data(buffer: try await response.body.collect(upTo: 16 << 20)))
            }
        } catch let error as FileSystemError {
            throw ClientError.badLocalFile(path: path, reason: error.message)
        } catch {
            throw ClientError.offline(server: api.server, reason: APIClient.describe(error))
        }
        guard (200..<300).contains(status) else {
            let detail = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["detail"] as? String
            throw ClientError.server(status: status, detail: detail ?? HTTPResponseStatus(statusCode: status).reasonPhrase)
        }
        return try APIClient.jsonObject(body, path: route)
    }

    // MARK: Permissions

    /// Explicit grants: all of them (`{"permissions": […]}`) or one user's (`{"user_id", "permissions": […]}`).
    public func permissions(userID: String? = nil) async throws -> [String: Any] {
        try await api.object(.GET, "/api/admin/permissions" + (userID.map { "/" + AdminClient.component($0) } ?? ""))
    }

    /// Grants `access` (`read` or `none`) on a table id or `<bucket>.*` (`POST /api/admin/permissions`, an upsert).
    public func grant(userID: String, dataset: String, access: String) async throws -> [String: Any] {
        try await api.object(.POST, "/api/admin/permissions", json: ["user_id": userID, "dataset": dataset, "access": access])
    }

    /// Removes a user's grant on a dataset (`DELETE /api/admin/permissions`).
    public func revoke(userID: String, dataset: String) async throws -> [String: Any] {
        try await api.object(.DELETE, "/api/admin/permissions", json: ["user_id": userID, "dataset": dataset])
    }

    // MARK: Access requests

    /// Requests waiting for review: `{"requests": […], "count"}` (`GET /api/access-requests/pending`).
    public func pendingAccessRequests() async throws -> [String: Any] {
        try await api.object(.GET, "/api/access-requests/pending")
    }

    /// Approves (granting `read` on the table) or denies a pending request: `{"status", "id"}`.
    public func reviewAccessRequest(id: String, approve: Bool) async throws -> [String: Any] {
        let action = approve ? "approve" : "deny"
        return try await api.object(.POST, "/api/access-requests/\(AdminClient.component(id))/\(action)")
    }

    // MARK: Personal access tokens (the caller's own)

    /// The caller's personal access tokens, without their secrets (`GET /api/tokens`).
    public func tokens() async throws -> [[String: Any]] {
        try await array(.GET, "/api/tokens")
    }

    /// Creates a personal access token; the answer's `token` is the secret, shown only this once.
    public func createToken(name: String, expiresInDays: Int?) async throws -> [String: Any] {
        try await api.object(.POST, "/api/tokens", json: AdminClient.compact(["name": name, "expires_in_days": expiresInDays]))
    }

    /// Deletes one of the caller's personal access tokens (`DELETE /api/tokens/{id}`).
    public func revokeToken(id: String) async throws {
        _ = try await api.send(.DELETE, "/api/tokens/\(AdminClient.component(id))")
    }

    // MARK: Helpers

    /// `send` and decode the answer as a JSON array of objects.
    func array(_ method: HTTPMethod, _ path: String) async throws -> [[String: Any]] {
        let body = try await api.send(method, path)
        guard let rows = try? JSONSerialization.jsonObject(with: body) as? [[String: Any]] else {
            throw ClientError.server(status: 200, detail: "the server's answer to \(path) is not a JSON array")
        }
        return rows
    }

    /// `fields` without the unset ones.
    static func compact(_ fields: [String: Any?]) -> [String: Any] {
        fields.compactMapValues { $0 }
    }

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
