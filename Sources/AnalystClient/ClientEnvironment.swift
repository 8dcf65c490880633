import Foundation

/// Where `da` keeps its files and which server it talks to, resolved the way the reference CLI did:
/// config dir `$DA_CONFIG_DIR` > `$XDG_CONFIG_HOME/da` > `~/.config/da`; server `--server` > `DA_SERVER` > the
/// server the stored token was issued by > `config.yaml` > `http://localhost:8000`; workspace `DA_LOCAL_DIR` > the
/// current directory.
public struct ClientEnvironment: Sendable, Equatable {
    public static let defaultServer = "http://localhost:8000"

    /// Directory for `token.json` and `config.yaml` (secrets in it are written 0600).
    public let configDirectory: String
    /// The workspace that holds `server/`, `user/` and `.claude/`.
    public let workspace: String

    public init(environment: [String: String], currentDirectory: String, homeDirectory: String) {
        if let dir = environment["DA_CONFIG_DIR"], !dir.isEmpty {
            configDirectory = dir
        } else if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            configDirectory = xdg + "/da"
        } else {
            configDirectory = homeDirectory + "/.config/da"
        }
        if let local = environment["DA_LOCAL_DIR"], !local.isEmpty {
            workspace = local
        } else {
            workspace = currentDirectory
        }
    }

    /// The server URL: the flag, else `DA_SERVER`, else the server that issued the stored token (a token belongs to
    /// its server), else the configured one, else the default; trailing `/` removed.
    public static func serverURL(
        flag: String?, environment: [String: String], loggedIn: String? = nil, configured: String?
    ) -> String {
        let candidates = [flag, environment["DA_SERVER"], loggedIn, configured]
        let chosen = candidates.compactMap { $0 }.first { !$0.isEmpty } ?? defaultServer
        return chosen.hasSuffix("/") ? String(chosen.dropLast()) : chosen
    }

    /// One line for `da --help`.
    public static let configurationSummary =
        "server from --server, DA_SERVER, the last login or config.yaml (default \(defaultServer)); files in DA_CONFIG_DIR "
        + "(default ~/.config/da); workspace DA_LOCAL_DIR (default: current directory)."
}
