import AnalystAPI
import ArgumentParser

extension Admin.Tables {
    /// `--public` or `--private`.
    enum Visibility: EnumerableFlag {
        case `public`, `private`

        static func help(for value: Visibility) -> ArgumentHelp? {
            value == .public ? "Everyone may read the table." : "Only admins and users granted access may read it."
        }
    }

    /// `da admin tables update`.
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update", abstract: "Change a table's registration: only the options given are changed.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's id.")
        var id: String

        @Option(help: "A new display name (the id stays).")
        var name: String?

        @OptionGroup var table: TableChangeOptions

        @Flag var visibility: Visibility?

        /// The changes the options give.
        var changes: Schemas.TableChanges {
            var changes = table.changes
            changes.name = name
            changes.isPublic = visibility.map { $0 == .public }
            return changes
        }

        func validate() throws {
            guard name != nil || visibility != nil || !table.isEmpty else {
                throw ValidationError("nothing to change: give at least one option (see --help)")
            }
        }

        func run() async throws {
            try await reportingAdminErrors(notFound: Advice.seeTables) {
                let answer = try await options.adminClient().updateTable(id: id, changes)
                if options.json { return JSONOutput.print(answer) }
                print("Updated \(id): \(answer.value.updated.map(\.rawValue).joined(separator: ", "))")
            }
        }
    }
}
