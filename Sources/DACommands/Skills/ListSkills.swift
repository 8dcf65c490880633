import AnalystClient
import ArgumentParser

extension Skills {
    /// `da skills list`: every guide's name and summary.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the guides.")

        @Flag(help: "Print the list as JSON.")
        var json = false

        /// `--json`: one guide.
        struct Entry: Encodable {
            let name: String
            let summary: String
        }

        func run() throws {
            if json { return try JSONOutput.print(Skill.all.map { Entry(name: $0.name, summary: $0.summary) }) }
            let width = Skill.all.map(\.name.count).max() ?? 0
            for skill in Skill.all { print("\(skill.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(skill.summary)") }
            print("\nRead one with: da skills show NAME")
        }
    }
}
