import AnalystClient
import ArgumentParser

extension Setup {
    /// `da setup bootstrap`: the first admin of a new server.
    struct Bootstrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bootstrap",
            abstract: "Create the first admin of a new server (only while it has no users) and log in as them.",
            discussion: "Without --password-stdin you are asked on a terminal; Enter (or no terminal) means no password.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The admin's email.")
        var email: String

        @Option(help: "Display name (default: the part of the email before @).")
        var name: String?

        @Flag(help: "Read the password (at least 10 characters) from standard input.")
        var passwordStdin = false

        /// `--json` after a bootstrap.
        struct Bootstrapped: Encodable {
            var bootstrapped = true
            let email: String
            let role: String
            let server: String
        }

        /// `--json` when the server has users already.
        struct Refused: Encodable {
            var bootstrapped = false
            let detail: String
        }

        func run() async throws {
            let password: String?
            if passwordStdin {
                password = try Terminal.passwordFromStandardInput(true)
            } else {
                password = Terminal.askSecret("Password for \(email) (Enter for none): ").flatMap { $0.isEmpty ? nil : $0 }
            }
            let session = options.session()
            try await reportingErrors {
                do {
                    let stored = try await SetupClient(session: session).bootstrap(email: email, name: name, password: password)
                    if options.json {
                        return try JSONOutput.print(Bootstrapped(email: stored.email, role: stored.role, server: session.server))
                    }
                    print("Admin user created: \(stored.email)")
                    print("Token saved: you are logged in as \(stored.role) on \(session.server).")
                    print("Next: da setup test-connection")
                } catch ClientError.server(status: 403, let detail) {
                    if options.json { return try JSONOutput.print(Refused(detail: detail)) }
                    print("Bootstrap disabled: \(detail)")
                    print("Users already exist. Log in with: da auth login --email \(email)")
                }
            }
        }
    }
}
