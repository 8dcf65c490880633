import Foundation

/// What went wrong, worded for the person at the terminal: what happened and what to do.
public enum ClientError: Error, CustomStringConvertible, Equatable {
    /// The server could not be reached at all.
    case offline(server: String, reason: String)
    /// The server answered with an error (`detail` is its `{"detail"}` text).
    case server(status: Int, detail: String)
    /// No token: not logged in.
    case notLoggedIn
    /// A local file (token.json, config.yaml) is unreadable.
    case badLocalFile(path: String, reason: String)
    /// The workspace has no local DuckDB yet.
    case noLocalDatabase(path: String)
    /// Something local went wrong; the message says what and what to do.
    case local(String)
    /// The server's answer to `request` (`GET /api/users`) is not what the contract describes; `reason` says where.
    case unreadableAnswer(request: String, reason: String)

    /// The exit code a command ends with after this error: 1 (usage errors, which end with 2, are the CLI's own).
    public var exitCode: Int32 { 1 }

    /// What happened and what to do, for the person at the terminal.
    public var description: String {
        switch self {
        case .offline(let server, let reason):
            return "Cannot reach the server at \(server) (\(reason)). Check the address (--server, DA_SERVER) and your network."
        case .server(let status, let detail):
            return status == 401 ? "\(detail) (HTTP 401). Log in again: da auth login" : "\(detail) (HTTP \(status))"
        case .notLoggedIn:
            return "Not logged in. Run: da auth login"
        case .badLocalFile(let path, let reason):
            return "Cannot use \(path): \(reason). Fix or delete the file."
        case .noLocalDatabase(let path):
            return "Local DuckDB not found (\(path)). Run: da sync (or query the server with --remote)"
        case .local(let message):
            return message
        case .unreadableAnswer(let request, let reason):
            return "Cannot read the server's answer to \(request): \(reason). Are da and the server of the same version (da --version)?"
        }
    }
}
