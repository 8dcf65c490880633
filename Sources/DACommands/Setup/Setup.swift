import ArgumentParser
import Foundation

/// `da setup`: point `da` at an instance, bring it up and check it.
struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Set up an instance: point da at it, create the first admin, check it, run the first sync, verify.",
        discussion: """
            In order: da setup init --server URL; da setup bootstrap EMAIL; da setup test-connection; \
            da setup first-sync; da setup verify.
            """,
        subcommands: [Init.self, Bootstrap.self, TestConnection.self, FirstSync.self, Verify.self])

    /// Whether `text` is an http(s) URL with a host.
    static func isServerURL(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host else { return false }
        return (scheme == "http" || scheme == "https") && !host.isEmpty
    }
}
