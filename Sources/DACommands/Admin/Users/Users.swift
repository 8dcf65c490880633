import ArgumentParser

extension Admin {
    /// `da admin users`.
    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "users",
            abstract: "List, add and remove users, and change their roles.", subcommands: [List.self, Add.self, Remove.self, SetRole.self])
    }
}
