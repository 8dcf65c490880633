import ArgumentParser

/// `da skills`: the built-in guides.
struct Skills: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills",
        abstract: "Built-in guides for AI agents and analysts (markdown).", subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)
}
