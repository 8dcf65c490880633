import AnalystClient
import ArgumentParser
import Foundation

/// `da auth login` (and `da login`): keep a token for the server in token.json.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in with your email and password (or a personal access token) and keep the token in token.json.")

    @OptionGroup var options: ServerOptions

    @Option(help: "Your email (asked for when missing).")
    var email: String?

    @Flag(help: "Read the password from standard input instead of asking for it.")
    var passwordStdin = false

    @Option(help: "A personal access token (da_pat_…) to use instead of a password.")
    var token: String?

    /// `--json`: who is logged in, where.
    struct LoggedIn: Encodable {
        let email: String
        let role: String
        let server: String
    }

    func run() async throws {
        let session = options.session()
        try await reportingErrors {
            let stored: StoredToken
            if let token {
                stored = try await session.login(personalAccessToken: token)
            } else {
                guard let email = email ?? Terminal.ask("Email: ") else {
                    throw ValidationError("give --email (there is no terminal to ask on)")
                }
                let password = passwordStdin ? readLine(strippingNewline: true) : Terminal.askSecret("Password: ")
                guard let password, !password.isEmpty else {
                    throw ValidationError("no password: type it when asked, or pipe it with --password-stdin")
                }
                stored = try await session.login(email: email, password: password)
            }
            if options.json { return try JSONOutput.print(LoggedIn(email: stored.email, role: stored.role, server: session.server)) }
            print("Logged in as \(stored.email) (role: \(stored.role)) on \(session.server)")
        }
    }
}
