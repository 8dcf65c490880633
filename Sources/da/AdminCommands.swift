import AnalystAPI
import AnalystClient
import ArgumentParser
import DuckDB
import Foundation

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
            AddUser.self, ListUsers.self, RemoveUser.self, RegisterTable.self, ListTables.self,
        ])
}

extension ServerOptions {
    /// An admin client for the configured server and the stored token.
    func adminClient() throws -> AdminClient {
        try AdminClient(session: session())
    }
}

// MARK: - users

extension Admin {
    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "users",
            abstract: "List, add and remove users, and change their roles.", subcommands: [List.self, Add.self, Remove.self, SetRole.self])
    }
}

extension Admin.Users {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List every user.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let users = try await options.adminClient().users()
                if options.json { return Terminal.printJSON(users) }
                AdminOutput.printTable(
                    ["ID", "EMAIL", "NAME", "ROLE", "CREATED"],
                    users.map { user in ["id", "email", "name", "role", "created_at"].map { AdminOutput.text(user, $0) } },
                    empty: "No users.")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a user.",
            discussion: "Without --password-stdin the user has no password: they sign in with Google or an emailed link.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's email.")
        var email: String

        @Option(help: "Display name (default: the part of the email before @).")
        var name: String?

        @Option(help: "viewer, analyst, km_admin or admin.")
        var role = Schemas.Role.analyst.rawValue

        @Flag(help: "Read the user's password (at least 10 characters) from standard input.")
        var passwordStdin = false

        func validate() throws {
            try AdminOutput.validateRole(role)
        }

        func run() async throws {
            let password = try AdminOutput.passwordFromStandardInput(passwordStdin)
            try await reportingAdminErrors {
                let user = try await options.adminClient().createUser(email: email, name: name, role: role, password: password)
                if options.json { return Terminal.printJSON(user) }
                AdminOutput.printCreated(user)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Delete a user and revoke their tokens.", discussion: "Asks first on a terminal, unless --yes.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's id or email.")
        var user: String

        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
        var yes = false

        func run() async throws {
            try await Admin.removeUser(user, yes: yes, options: options)
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Change a user's role.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's id or email.")
        var user: String

        @Argument(help: "viewer, analyst, km_admin or admin.")
        var role: String

        func validate() throws {
            try AdminOutput.validateRole(role)
        }

        func run() async throws {
            try await reportingAdminErrors {
                let client = try options.adminClient()
                let id = AdminOutput.text(try await client.user(user), "id")
                let updated = try await client.updateUser(id: id, role: role)
                if options.json { return Terminal.printJSON(updated) }
                print("\(AdminOutput.text(updated, "email")) is now \(AdminOutput.text(updated, "role")).")
            }
        }
    }
}

// MARK: - tables

extension Admin {
    struct Tables: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tables",
            abstract: "List, register, change and delete tables, and upload a file's data into one.",
            subcommands: [List.self, Register.self, Update.self, Delete.self, Upload.self])
    }
}

/// The registry fields `tables register` and `tables update` share.
struct TableFieldOptions: ParsableArguments {
    @Option(help: "Where the data comes from: files (uploaded with `tables upload`) or a connector's name.")
    var sourceType: String?

    @Option(help: "The source's bucket or dataset.")
    var bucket: String?

    @Option(help: "The table's name in the source.")
    var sourceTable: String?

    @Option(help: "local (synced to analysts as parquet) or remote (queried on the server).")
    var queryMode: String?

    @Option(help: "full_refresh, incremental or partitioned.")
    var syncStrategy: String?

    @Option(help: "When to sync, in UTC: 'every 15m', 'every 2h', 'daily 05:00,13:00'; '' for none.")
    var syncSchedule: String?

    @Option(help: "What the table holds.")
    var description: String?

    func validate() throws {
        if let queryMode, !["local", "remote"].contains(queryMode) {
            throw ValidationError("--query-mode must be local or remote, not \"\(queryMode)\"")
        }
        let strategies = Schemas.SyncStrategy.allCases.map(\.rawValue)
        if let syncStrategy, !strategies.contains(syncStrategy) {
            throw ValidationError("--sync-strategy must be one of \(strategies.joined(separator: ", ")), not \"\(syncStrategy)\"")
        }
    }

    /// The fields that were given.
    var fields: AdminClient.TableFields {
        var fields = AdminClient.TableFields()
        fields.sourceType = sourceType
        fields.bucket = bucket
        fields.sourceTable = sourceTable
        fields.queryMode = queryMode
        fields.syncStrategy = syncStrategy
        fields.syncSchedule = syncSchedule
        fields.description = description
        return fields
    }
}

extension Admin.Tables {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the registered tables.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let registry = try await options.adminClient().tables()
                if options.json { return Terminal.printJSON(registry) }
                let tables = registry["tables"] as? [[String: Any]] ?? []
                print("Registered tables: \(tables.count)")
                guard !tables.isEmpty else { return }
                AdminOutput.printTable(
                    ["ID", "NAME", "SOURCE", "MODE", "STRATEGY", "SCHEDULE", "PUBLIC", "DESCRIPTION"],
                    tables.map { table in
                        ["id", "name", "source_type", "query_mode", "sync_strategy", "sync_schedule", "is_public", "description"]
                            .map { AdminOutput.text(table, $0) }
                    })
            }
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register",
            abstract: "Register a table (its id is the name lower-cased, spaces and dashes as _).",
            discussion: "The source type defaults to files (the reference CLI defaulted to keboola): fill it with `da admin tables upload`."
        )

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's name.")
        var name: String

        @OptionGroup var table: TableFieldOptions

        @Flag(help: "Only admins and users granted access may read it (default: everyone).")
        var `private` = false

        func run() async throws {
            var fields = table.fields
            fields.name = name
            fields.sourceType = fields.sourceType ?? "files"
            if `private` { fields.isPublic = false }
            try await reportingAdminErrors {
                let registered = try await options.adminClient().registerTable(fields)
                if options.json { return Terminal.printJSON(registered) }
                print("Registered: \(name) (id: \(AdminOutput.text(registered, "id")))")
            }
        }
    }

    /// `--public` or `--private`.
    enum Visibility: EnumerableFlag {
        case `public`, `private`

        static func help(for value: Visibility) -> ArgumentHelp? {
            value == .public ? "Everyone may read the table." : "Only admins and users granted access may read it."
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update", abstract: "Change a table's registration: only the options given are changed.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's id.")
        var id: String

        @Option(help: "A new display name (the id stays).")
        var name: String?

        @OptionGroup var table: TableFieldOptions

        @Flag var visibility: Visibility?

        var fields: AdminClient.TableFields {
            var fields = table.fields
            fields.name = name
            fields.isPublic = visibility.map { $0 == .public }
            return fields
        }

        func validate() throws {
            guard !fields.names.isEmpty else { throw ValidationError("nothing to change: give at least one option (see --help)") }
        }

        func run() async throws {
            try await reportingAdminErrors(notFound: AdminOutput.seeTables) {
                let answer = try await options.adminClient().updateTable(id: id, fields)
                if options.json { return Terminal.printJSON(answer) }
                let updated = answer["updated"] as? [String] ?? fields.names
                print("Updated \(id): \(updated.joined(separator: ", "))")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Remove a table from the registry.", discussion: "Asks first on a terminal, unless --yes.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's id.")
        var id: String

        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
        var yes = false

        func run() async throws {
            try await reportingAdminErrors(notFound: AdminOutput.seeTables) {
                let client = try options.adminClient()
                try AdminOutput.confirm("Delete table \(id)?", yes: yes)
                try await client.deleteTable(id: id)
                if options.json { return Terminal.printJSON(["deleted": id]) }
                print("Deleted table \(id).")
            }
        }
    }

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "upload",
            abstract: "Upload a CSV or parquet file as a table's data (replacing it); the table must be of the files source.",
            discussion: "The format comes from the extension (.csv, .parquet), else from the content. Returns once it is published.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's id.")
        var id: String

        @Argument(help: "The file to upload.", completion: .file(extensions: ["csv", "parquet"]))
        var file: String

        func run() async throws {
            try await reportingAdminErrors(notFound: AdminOutput.seeTables) {
                let answer = try await options.adminClient().upload(tableID: id, file: file)
                if options.json { return Terminal.printJSON(answer) }
                let columns = (answer["columns"] as? [[String: Any]] ?? []).map {
                    "\(AdminOutput.text($0, "name")) \(AdminOutput.text($0, "type"))"
                }
                let rows = AdminOutput.text(answer, "rows")
                print("Uploaded \(file) to \(id): \(rows) rows, \(AdminOutput.text(answer, "size_bytes")) bytes of parquet")
                print("Columns: \(columns.joined(separator: ", "))")
            }
        }
    }
}

// MARK: - permissions

extension Admin {
    struct Permissions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "permissions",
            abstract: "List, grant and revoke users' access to tables or buckets (<bucket>.*).",
            subcommands: [List.self, Grant.self, Revoke.self])
    }
}

extension Admin.Permissions {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List explicit grants: everyone's, or one user's.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "Only this user's (id or email).")
        var user: String?

        func run() async throws {
            try await reportingAdminErrors {
                let client = try options.adminClient()
                let users = try await client.users()
                let answer = try await client.permissions(
                    userID: try await user.asyncMap { AdminOutput.text(try await client.user($0), "id") })
                if options.json { return Terminal.printJSON(answer) }
                let emails = Dictionary(users.map { (AdminOutput.text($0, "id"), AdminOutput.text($0, "email")) }) { first, _ in first }
                let grants = answer["permissions"] as? [[String: Any]] ?? []
                AdminOutput.printTable(
                    ["USER", "DATASET", "ACCESS"],
                    grants.map { grant in
                        let id = AdminOutput.text(grant, "user_id")
                        return [emails[id] ?? id, AdminOutput.text(grant, "dataset"), AdminOutput.text(grant, "access")]
                    },
                    empty: "No explicit permissions.")
            }
        }
    }

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
        var access = "read"

        func validate() throws {
            guard ["read", "none"].contains(access) else { throw ValidationError("--access must be read or none, not \"\(access)\"") }
        }

        func run() async throws {
            try await reportingAdminErrors {
                let client = try options.adminClient()
                let found = try await client.user(user)
                let answer = try await client.grant(userID: AdminOutput.text(found, "id"), dataset: dataset, access: access)
                if options.json { return Terminal.printJSON(answer) }
                print("Granted \(access) on \(dataset) to \(AdminOutput.text(found, "email")).")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Remove a user's grant on a table or bucket.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's id or email.")
        var user: String

        @Argument(help: "The table id or <bucket>.* of the grant.")
        var dataset: String

        func run() async throws {
            try await reportingAdminErrors {
                let client = try options.adminClient()
                let found = try await client.user(user)
                let answer = try await client.revoke(userID: AdminOutput.text(found, "id"), dataset: dataset)
                if options.json { return Terminal.printJSON(answer) }
                print("Revoked \(dataset) from \(AdminOutput.text(found, "email")).")
            }
        }
    }
}

// MARK: - access requests

extension Admin {
    struct AccessRequests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "access-requests", abstract: "Review analysts' requests for access to tables.",
            subcommands: [List.self, Approve.self, Deny.self])
    }
}

extension Admin.AccessRequests {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the pending requests.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let answer = try await options.adminClient().pendingAccessRequests()
                if options.json { return Terminal.printJSON(answer) }
                let requests = answer["requests"] as? [[String: Any]] ?? []
                AdminOutput.printTable(
                    ["ID", "USER", "TABLE", "CREATED", "REASON"],
                    requests.map { request in
                        ["id", "user_email", "table_id", "created_at", "reason"].map { AdminOutput.text(request, $0) }
                    },
                    empty: "No pending access requests.")
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve", abstract: "Approve a request: the user gets read access to the table.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The request's id.")
        var id: String

        func run() async throws {
            try await Admin.AccessRequests.review(id: id, approve: true, options: options)
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deny", abstract: "Deny a request.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The request's id.")
        var id: String

        func run() async throws {
            try await Admin.AccessRequests.review(id: id, approve: false, options: options)
        }
    }

    /// Approves or denies request `id` and says so.
    static func review(id: String, approve: Bool, options: ServerOptions) async throws {
        try await reportingAdminErrors(notFound: "See the pending requests with: da admin access-requests list") {
            let answer = try await options.adminClient().reviewAccessRequest(id: id, approve: approve)
            if options.json { return Terminal.printJSON(answer) }
            print(approve ? "Approved \(id): read access granted." : "Denied \(id).")
        }
    }
}

// MARK: - tokens

extension Admin {
    struct Tokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tokens",
            abstract: "List, create and revoke your own personal access tokens (for scripts: da auth login --token).",
            subcommands: [List.self, Create.self, Revoke.self])
    }
}

extension Admin.Tokens {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List your personal access tokens (never their secrets).")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let tokens = try await options.adminClient().tokens()
                if options.json { return Terminal.printJSON(tokens) }
                AdminOutput.printTable(
                    ["ID", "NAME", "PREFIX", "CREATED", "EXPIRES"],
                    tokens.map { token in
                        ["id", "name", "prefix", "created_at"].map { AdminOutput.text(token, $0) }
                            + [token["expires_at"] as? String ?? "never"]
                    },
                    empty: "No personal access tokens.")
            }
        }
    }

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
                let token = try await options.adminClient().createToken(name: name, expiresInDays: expiresInDays)
                if options.json { return Terminal.printJSON(token) }
                let expires = token["expires_at"] as? String ?? "never"
                print("Created token \"\(AdminOutput.text(token, "name"))\" (id \(AdminOutput.text(token, "id")), expires \(expires)).")
                print("Copy it now, it is not shown again:")
                print(AdminOutput.text(token, "token"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke one of your personal access tokens.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The token's id.")
        var id: String

        func run() async throws {
            try await reportingAdminErrors(notFound: "See your tokens with: da admin tokens list") {
                try await options.adminClient().revokeToken(id: id)
                if options.json { return Terminal.printJSON(["revoked": id]) }
                print("Revoked token \(id).")
            }
        }
    }
}

// MARK: - the reference CLI's spellings (hidden)

extension Admin {
    /// `users remove` and `remove-user`: finds the user by id, email or id prefix, asks on a terminal, deletes.
    static func removeUser(_ reference: String, yes: Bool, options: ServerOptions) async throws {
        try await reportingAdminErrors {
            let client = try options.adminClient()
            let found = try await client.user(reference)
            let id = AdminOutput.text(found, "id")
            let email = AdminOutput.text(found, "email")
            try AdminOutput.confirm("Delete user \(email) (\(id))?", yes: yes)
            try await client.deleteUser(id: id)
            if options.json { return Terminal.printJSON(["deleted": id, "email": email]) }
            print("Deleted user \(email) (\(id)).")
        }
    }

    struct AddUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-user", abstract: "Add a user (same as: da admin users add).", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's email.")
        var email: String

        @Option(help: "Display name (default: the part of the email before @).")
        var name: String?

        @Option(help: "viewer, analyst, km_admin or admin.")
        var role = Schemas.Role.analyst.rawValue

        func validate() throws {
            try AdminOutput.validateRole(role)
        }

        func run() async throws {
            try await reportingAdminErrors {
                let user = try await options.adminClient().createUser(email: email, name: name, role: role, password: nil)
                if options.json { return Terminal.printJSON(user) }
                AdminOutput.printCreated(user)
            }
        }
    }

    struct ListUsers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list-users", abstract: "List users (same as: da admin users list).", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let users = try await options.adminClient().users()
                if options.json { return Terminal.printJSON(users) }
                for user in users {
                    let email = AdminOutput.pad(AdminOutput.text(user, "email"), 30)
                    let role = AdminOutput.pad(AdminOutput.text(user, "role"), 10)
                    print("  \(email) role=\(role) id=\(AdminOutput.text(user, "id").prefix(8))")
                }
            }
        }
    }

    struct RemoveUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-user", abstract: "Delete a user (same as: da admin users remove).", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's id (or email).")
        var userID: String

        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
        var yes = false

        func run() async throws {
            try await Admin.removeUser(userID, yes: yes, options: options)
        }
    }

    struct RegisterTable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register-table", abstract: "Register a table; an existing one is not an error (reference spelling).",
            discussion: "The source type defaults to files here; the reference CLI defaulted to keboola.", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        @Argument(help: "The table's name.")
        var name: String

        @Option(help: "Where the data comes from.")
        var sourceType = "files"

        @Option(help: "The source's bucket or dataset.")
        var bucket = ""

        @Option(help: "The table's name in the source (default: NAME).")
        var sourceTable = ""

        @Option(help: "local or remote.")
        var queryMode = "local"

        @Option(help: "What the table holds.")
        var description = ""

        func run() async throws {
            var fields = AdminClient.TableFields()
            fields.name = name
            fields.sourceType = sourceType
            fields.bucket = bucket
            fields.sourceTable = sourceTable.isEmpty ? name : sourceTable
            fields.queryMode = queryMode
            fields.description = description
            try await reportingAdminErrors {
                do {
                    let registered = try await options.adminClient().registerTable(fields)
                    if options.json { return Terminal.printJSON(registered) }
                    print("Registered: \(name)")
                } catch ClientError.server(status: 409, let detail) {
                    if options.json { return Terminal.printJSON(["name": name, "status": "exists", "detail": detail]) }
                    print("Already exists: \(name)")
                }
            }
        }
    }

    struct ListTables: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list-tables", abstract: "List registered tables (same as: da admin tables list).", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let registry = try await options.adminClient().tables()
                if options.json { return Terminal.printJSON(registry) }
                let tables = registry["tables"] as? [[String: Any]] ?? []
                print("Registered tables: \(registry["count"] as? Int ?? tables.count)")
                for table in tables {
                    let name = AdminOutput.pad(AdminOutput.text(table, "name"), 30)
                    let source = AdminOutput.pad(AdminOutput.text(table, "source_type"), 10)
                    let mode = AdminOutput.pad(AdminOutput.text(table, "query_mode"), 6)
                    print("  \(name) src=\(source) mode=\(mode) bucket=\(AdminOutput.text(table, "bucket"))")
                }
            }
        }
    }
}

// MARK: - output and errors

/// Runs an admin command: a `ClientError` or `AdminError` goes to standard error with what to do next, and the
/// command exits 1. `notFound` is the advice for a 404.
func reportingAdminErrors(notFound: String? = nil, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ClientError {
        Terminal.printError(error.description)
        if case .server(let status, _) = error {
            if status == 403 {
                Terminal.printError("This needs an admin account: log in as one with da auth login")
            } else if status == 404, let notFound {
                Terminal.printError(notFound)
            }
        }
        throw ExitCode(1)
    } catch let error as AdminError {
        Terminal.printError(error.description)
        throw ExitCode(1)
    }
}

/// Text output shared by the admin and setup commands.
enum AdminOutput {
    static let seeTables = "See the registered tables with: da admin tables list"

    /// `row[key]` as text: strings as they are, `null` and missing as empty, booleans as yes/no.
    static func text(_ row: [String: Any], _ key: String) -> String {
        switch row[key] {
        case .none, is NSNull: return ""
        case let string as String: return string
        case let number as NSNumber where String(cString: number.objCType) == "c": return number.boolValue ? "yes" : "no"
        case .some(let value): return "\(value)"
        }
    }

    /// `text` padded with spaces to at least `width` characters (Python's `{:30s}`).
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Prints `rows` in columns aligned under `headers`; `empty` instead when there are no rows.
    static func printTable(_ headers: [String], _ rows: [[String]], empty: String? = nil) {
        if rows.isEmpty, let empty { return print(empty) }
        let lines = [headers] + rows
        let widths = headers.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        for line in lines {
            let cells = line.indices.map { pad(line[$0], widths[$0]) }.joined(separator: "  ")
            print(cells.replacingOccurrences(of: " +$", with: "", options: .regularExpression))
        }
    }

    /// `Created user: EMAIL (id: ID, role: ROLE)`, the reference's line.
    static func printCreated(_ user: [String: Any]) {
        print("Created user: \(text(user, "email")) (id: \(text(user, "id")), role: \(text(user, "role")))")
    }

    /// Asks `question` on a terminal unless `yes`; without a terminal there is nobody to ask and the answer is yes.
    /// A "no" ends the command with exit code 1.
    static func confirm(_ question: String, yes: Bool) throws {
        guard !yes, let answer = Terminal.ask("\(question) [y/N] ") else { return }
        guard ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased()) else {
            Terminal.printError("Cancelled: nothing was changed.")
            throw ExitCode(1)
        }
    }

    /// A usage error unless `role` is one the server knows.
    static func validateRole(_ role: String) throws {
        guard Schemas.Role(rawValue: role) != nil else {
            let roles = Schemas.Role.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("the role must be one of \(roles), not \"\(role)\"")
        }
    }

    /// The first line of standard input when `enabled`; a usage error when it is empty.
    static func passwordFromStandardInput(_ enabled: Bool) throws -> String? {
        guard enabled else { return nil }
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            throw ValidationError("--password-stdin: no password on standard input")
        }
        return password
    }
}

extension Optional {
    /// `map` with an async transform.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
