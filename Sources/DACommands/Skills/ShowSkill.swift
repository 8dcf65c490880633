import AnalystClient
import ArgumentParser

extension Skills {
    /// `da skills show NAME`: one guide's markdown.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a guide.")

        @Argument(help: "The guide's name (see da skills list).")
        var name: String

        func run() throws {
            guard let skill = Skill.named(name) else {
                Terminal.printError("Unknown skill '\(name)'. Available: \(Skill.all.map(\.name).joined(separator: ", "))")
                throw ExitCode(1)
            }
            print(skill.markdown)
        }
    }
}
