import ArgumentParser

/// `da admin`: users, tables, permissions, access requests and personal access tokens.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage users, tables, permissions and access requests (needs an admin account), and your own access tokens.",
        discussion: """
            Every command takes --server and --json (the server's JSON instead of a table). Users are named by id or email. \
            Exit codes: 0 success, 1 error (the server's reason on standard error), 2 usage error.
            """,
        subcommands: [
            Users.self, Tables.self, Permissions.self, AccessRequests.self, Tokens.self,
            ReferenceAddUser.self, ReferenceListUsers.self, ReferenceRemoveUser.self, ReferenceRegisterTable.self,
            ReferenceListTables.self,
        ])
}
