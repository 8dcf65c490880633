import Foundation

/// What `da auth login` keeps in `token.json` (the reference's fields, plus the server it is for).
public struct StoredToken: Codable, Sendable, Equatable {
    public var access_token: String
    public var email: String
    public var role: String
    public var server: String?

    public init(accessToken: String, email: String, role: String, server: String?) {
        access_token = accessToken
        self.email = email
        self.role = role
        self.server = server
    }
}

/// `token.json` in the config directory, written atomically with mode 0600 (it holds a credential).
public struct TokenStore: Sendable {
    public let file: URL

    public init(configDirectory: String) {
        file = URL(fileURLWithPath: configDirectory).appendingPathComponent("token.json")
    }

    /// The stored token; `nil` when there is none. A file that cannot be read is an error that says so.
    public func load() throws -> StoredToken? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        do {
            return try JSONDecoder().decode(StoredToken.self, from: Data(contentsOf: file))
        } catch {
            throw ClientError.badLocalFile(path: file.path, reason: "\(error)")
        }
    }

    public func save(_ token: StoredToken) throws {
        let directory = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = directory.appendingPathComponent(".token.json.tmp")
        guard
            FileManager.default.createFile(
                atPath: temporary.path, contents: try encoder.encode(token), attributes: [.posixPermissions: 0o600])
        else { throw ClientError.badLocalFile(path: temporary.path, reason: "cannot write it") }
        guard rename(temporary.path, file.path) == 0 else {
            throw ClientError.badLocalFile(path: file.path, reason: String(cString: strerror(errno)))
        }
    }

    /// Removes the token file; `false` when there was none.
    @discardableResult
    public func delete() throws -> Bool {
        guard FileManager.default.fileExists(atPath: file.path) else { return false }
        try FileManager.default.removeItem(at: file)
        return true
    }
}
