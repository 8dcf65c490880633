import AnalystClient
import ArgumentParser
import Foundation

extension Setup {
    /// `da setup init`: remember the server in config.yaml.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Save the server's URL in config.yaml (in the config directory) for every later command.",
            discussion: "DA_SERVER and --server still win over config.yaml.")

        @Option(help: "The server's URL (default: DA_SERVER, else \(ClientEnvironment.defaultServer)).")
        var server: String?

        @Flag(help: "Print the result as JSON.")
        var json = false

        /// `--json`: the file and what it now says.
        struct Saved: Encodable {
            let config: String
            let server: String
        }

        func validate() throws {
            if let server, !Setup.isServerURL(server) {
                throw ValidationError("--server must be an http:// or https:// URL such as https://analyst.example.com, not \"\(server)\"")
            }
        }

        func run() async throws {
            let process = ProcessInfo.processInfo.environment
            let environment = ClientEnvironment.current
            let url = ClientEnvironment.serverURL(flag: server, environment: process, configured: nil)
            try await reportingErrors {
                let file = try SetupClient.writeConfig(server: url, configDirectory: environment.configDirectory)
                if json { return try JSONOutput.print(Saved(config: file.path, server: url)) }
                print("Server: \(url)")
                print("Config saved to \(file.path)")
                if let overriding = process["DA_SERVER"], !overriding.isEmpty, overriding != url {
                    Terminal.printError("Note: DA_SERVER=\(overriding) is set and wins over config.yaml in this shell.")
                } else if let loggedIn = (try? TokenStore(configDirectory: environment.configDirectory).load())?.flatMap(\.server),
                    loggedIn != url
                {
                    Terminal.printError(
                        "Note: you are logged in to \(loggedIn), and commands go there until you log in to \(url) (da auth login).")
                }
                print("Next: da setup bootstrap EMAIL (first admin of a new server), or da auth login")
            }
        }
    }
}
