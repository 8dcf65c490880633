import ArgumentParser

extension Admin.Tokens {
    /// `da admin tokens list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List your personal access tokens (never their secrets).")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let tokens = try await options.adminClient().tokens()
                if options.json { return JSONOutput.print(tokens) }
                TextTable.print(
                    ["ID", "NAME", "PREFIX", "CREATED", "EXPIRES"],
                    tokens.value.map {
                        [$0.id, $0.name, $0.prefix, TextTable.time($0.createdAt), $0.expiresAt.map(TextTable.time) ?? "never"]
                    },
                    empty: "No personal access tokens.")
            }
        }
    }
}
