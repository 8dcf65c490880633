import ArgumentParser

/// `da auth`: log in, log out, and see who you are.
struct Auth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Log in to a server, log out, and see who you are.", subcommands: [Login.self, Logout.self, Whoami.self])
}
