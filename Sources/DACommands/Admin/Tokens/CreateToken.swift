import AnalystAPI
import ArgumentParser

extension Admin.Tokens {
    /// `da admin tokens create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create a personal access token; its secret is shown only once.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "A name to recognise it by (1–100 characters).")
        var name: String

        @Option(help: "Days until it expires (1–3650; default: never).")
        var expiresInDays: Int?

        func validate() throws {
            if let expiresInDays, !(1...3650).contains(expiresInDays) {
                throw ValidationError("--expires-in-days must be between 1 and 3650")
            }
        }

        func run() async throws {
            try await reportingAdminErrors {
                let answer = try await options.adminClient().createToken(
                    Schemas.CreateTokenRequest(name: name, expiresInDays: expiresInDays))
                if options.json { return JSONOutput.print(answer) }
                let token = answer.value
                let expires = token.expiresAt.map(TextTable.time) ?? "never"
                print("Created token \"\(token.name)\" (id \(token.id), expires \(expires)).")
                print("Copy it now, it is not shown again:")
                print(token.token)
            }
        }
    }
}
