import AnalystClient
import ArgumentParser

/// `da auth logout`: revoke the token on the server and forget it.
struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout", abstract: "Revoke your token on the server and delete token.json.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let session = options.session()
        try await reportingErrors {
            let result = try await session.logout()
            if options.json { return try JSONOutput.print(result) }
            if let warning = result.warning {
                Terminal.printError("The server did not revoke the token: \(warning)")
            }
            print("Logged out.")
        }
    }
}
