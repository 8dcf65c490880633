import Foundation

/// The generated JWT secret `--dev` uses: 32 random bytes, hex, kept in a 0600 file so tokens survive restarts.
public enum DevelopmentSecret {
    public static func loadOrCreate(at path: String) throws -> String {
        if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            let trimmed = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.count >= 32 { return trimmed }
        }
        let secret = Secrets.hex(Secrets.randomBytes(32))
        let created = FileManager.default.createFile(
            atPath: path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else {
            throw StorageError.cannotCreateDirectory(path: path, reason: "cannot write the development JWT secret")
        }
        return secret
    }
}
