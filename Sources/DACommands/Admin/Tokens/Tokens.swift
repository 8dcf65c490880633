import ArgumentParser

extension Admin {
    /// `da admin tokens`: the caller's own personal access tokens.
    struct Tokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tokens",
            abstract: "List, create and revoke your own personal access tokens (for scripts: da auth login --token).",
            subcommands: [List.self, Create.self, Revoke.self])
    }
}
