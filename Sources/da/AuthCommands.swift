import AnalystClient
import ArgumentParser
import Foundation

/// Options every command that talks to the server shares.
struct ServerOptions: ParsableArguments {
    @Option(help: "Server URL (else DA_SERVER, config.yaml, http://localhost:8000).")
    var server: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func session() -> AuthSession {
        let process = ProcessInfo.processInfo
        let environment = ClientEnvironment(
            environment: process.environment, currentDirectory: FileManager.default.currentDirectoryPath,
            homeDirectory: NSHomeDirectory())
        return AuthSession(serverFlag: server, environment: environment, processEnvironment: process.environment)
    }
}

struct Auth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Log in to a server, log out, and see who you are.", subcommands: [Login.self, Logout.self, Whoami.self])
}

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
            if options.json {
                Terminal.printJSON(["email": stored.email, "role": stored.role, "server": session.server])
            } else {
                print("Logged in as \(stored.email) (role: \(stored.role)) on \(session.server)")
            }
        }
    }
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout", abstract: "Revoke your token on the server and delete token.json.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let session = options.session()
        try await reportingErrors {
            let result = try await session.logout()
            if options.json {
                var object: [String: Any] = ["revoked": result.revoked, "removed": result.removed]
                if let warning = result.warning { object["warning"] = warning }
                Terminal.printJSON(object)
            } else {
                if let warning = result.warning {
                    Terminal.printError("The server did not revoke the token: \(warning)")
                }
                print("Logged out.")
            }
        }
    }
}

struct Whoami: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Ask the server who your token belongs to.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let session = options.session()
        try await reportingErrors {
            var me = try await session.whoami()
            me["server"] = session.server
            if options.json {
                Terminal.printJSON(me)
            } else {
                print("Email:  \(me["email"] as? String ?? "")")
                print("Name:   \(me["name"] as? String ?? "")")
                print("Role:   \(me["role"] as? String ?? "")")
                print("Server: \(session.server)")
            }
        }
    }
}

/// Runs `body`; a `ClientError` is printed to standard error and ends the command with exit code 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ClientError {
        Terminal.printError(error.description)
        throw ExitCode(1)
    }
}
