import AnalystAPI
import ArgumentParser

extension Admin.Permissions {
    /// `da admin permissions grant`.
    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grant",
            abstract: "Grant a user access to a table id or a bucket (<bucket>.*); `--access none` denies it explicitly.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's id or email.")
        var user: String

        @Argument(help: "A table id or <bucket>.*")
        var dataset: String

        @Option(help: "read or none.")
        var access = Schemas.PermissionAccess.read.rawValue

        func validate() throws {
            guard Schemas.PermissionAccess(rawValue: access) != nil else {
                throw ValidationError("--access must be read or none, not \"\(access)\"")
            }
        }

        func run() async throws {
            try await reportingAdminErrors {
                let client = try options.adminClient()
                let found = try await client.user(user)
                let grant = Schemas.PermissionRequest(userId: found.id, dataset: dataset, access: .init(rawValue: access))
                let answer = try await client.grant(grant)
                if options.json { return JSONOutput.print(answer) }
                print("Granted \(access) on \(dataset) to \(found.email).")
            }
        }
    }
}
