import AnalystClient
import ArgumentParser
import Foundation

/// Options every command that talks to the server shares.
struct ServerOptions: ParsableArguments {
    @Option(help: "Server URL (else DA_SERVER, config.yaml, http://localhost:8000).")
    var server: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    /// The session for the chosen server, in this process's environment.
    func session() -> AuthSession {
        AuthSession(serverFlag: server, environment: .current, processEnvironment: ProcessInfo.processInfo.environment)
    }

    /// An admin client for the chosen server and the stored token; `ClientError.notLoggedIn` without one.
    func adminClient() throws -> AdminClient {
        try AdminClient(session: session())
    }
}

extension ClientEnvironment {
    /// The config directory and workspace of this process (its environment, current and home directories).
    static var current: ClientEnvironment {
        ClientEnvironment(
            environment: ProcessInfo.processInfo.environment, currentDirectory: FileManager.default.currentDirectoryPath,
            homeDirectory: NSHomeDirectory())
    }
}
