import ArgumentParser

extension Admin {
    /// `da admin tables`.
    struct Tables: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tables",
            abstract: "List, discover, register, change and delete tables, upload a file's data into one, see sync history.",
            subcommands: [List.self, Discover.self, Register.self, Update.self, Delete.self, Upload.self, History.self])
    }
}
