import ArgumentParser

extension Admin {
    /// `da admin tables`.
    struct Tables: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tables",
            abstract: "List, register, change and delete tables, and upload a file's data into one.",
            subcommands: [List.self, Register.self, Update.self, Delete.self, Upload.self])
    }
}
