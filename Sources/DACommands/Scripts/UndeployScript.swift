import AnalystClient
import ArgumentParser

extension Scripts {
    /// `da scripts undeploy NAME`: removes one of the caller's scripts; its runs stay in the history.
    struct Undeploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "undeploy", abstract: "Remove one of your scripts.")

        @OptionGroup var options: ServerOptions
        @Argument(help: "The script's name (see da scripts list).")
        var name: String

        /// `--json`: what was removed.
        struct Undeployed: Encodable {
            let id: String
            let name: String
            let undeployed = true
        }

        func run() async throws {
            try await Scripts.reportingErrors {
                let client = try ScriptsClient(session: options.session())
                let script = try await client.script(named: name)
                try await client.undeploy(id: script.id)
                if options.json { return try JSONOutput.print(Undeployed(id: script.id, name: script.name)) }
                print("Undeployed \(script.name); its runs stay in the server's history.")
            }
        }
    }
}
