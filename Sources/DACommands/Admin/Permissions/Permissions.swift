import ArgumentParser

extension Admin {
    /// `da admin permissions`.
    struct Permissions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "permissions",
            abstract: "List, grant and revoke users' access to tables or buckets (<bucket>.*).",
            subcommands: [List.self, Grant.self, Revoke.self])
    }
}
