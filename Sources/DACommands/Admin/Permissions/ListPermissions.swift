import AnalystAPI
import ArgumentParser

extension Admin.Permissions {
    /// `da admin permissions list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List explicit grants: everyone's, or one user's.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "Only this user's (id or email).")
        var user: String?

        func run() async throws {
            try await reportingAdminErrors {
                let client = try options.adminClient()
                let users = try await client.users().value
                let grants: [Schemas.Permission]
                if let user {
                    let answer = try await client.permissions(userID: try await client.user(user).id)
                    if options.json { return JSONOutput.print(answer) }
                    grants = answer.value.permissions
                } else {
                    let answer = try await client.permissions()
                    if options.json { return JSONOutput.print(answer) }
                    grants = answer.value.permissions
                }
                let emails = Dictionary(users.map { ($0.id, $0.email) }) { first, _ in first }
                TextTable.print(
                    ["USER", "DATASET", "ACCESS"], grants.map { [emails[$0.userId] ?? $0.userId, $0.dataset, $0.access.rawValue] },
                    empty: "No explicit permissions.")
            }
        }
    }
}
