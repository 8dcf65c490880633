import AnalystClient
import ArgumentParser

/// `da auth whoami`: the user the server says the token belongs to.
struct Whoami: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Ask the server who your token belongs to.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let session = options.session()
        try await reportingErrors {
            let me = try await session.whoami()
            if options.json { return try JSONOutput.print(me, adding: ["server": session.server]) }
            print("Email:  \(me.value.email)")
            print("Name:   \(me.value.name ?? "")")
            print("Role:   \(me.value.role.rawValue)")
            print("Server: \(session.server)")
        }
    }
}
