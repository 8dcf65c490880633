import ArgumentParser

extension Admin.Tokens {
    /// `da admin tokens revoke`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke one of your personal access tokens.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The token's id.")
        var id: String

        func run() async throws {
            try await reportingAdminErrors(notFound: Advice.seeTokens) {
                try await options.adminClient().revokeToken(id: id)
                if options.json { return try JSONOutput.print(["revoked": id]) }
                print("Revoked token \(id).")
            }
        }
    }
}
