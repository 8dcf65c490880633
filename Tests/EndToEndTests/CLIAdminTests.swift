import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `da admin …` and `da setup …` (the real binary) against the real `da-server`.
@Suite(.serialized)
struct CLIAdminTests {
    /// A running server and the environment `da` runs in.
    struct Harness {
        let directory: TemporaryDirectory
        let server: ServerProcess
        var environment: [String: String]

        /// A server on `data` with the sample data (`sample`) and the seed admin (`seedAdmin`); `da` logged in as it.
        static func start(sample: Bool, seedAdmin: Bool) async throws -> Harness {
            let directory = try TemporaryDirectory()
            let data = directory.appending("data")
            if sample {
                let generated = try await CLIProcess.run(
                    ["sample-data", "--data-dir", data, "--size", "xs", "--json"], environment: [:], binary: "da-server")
                #expect(generated.status == 0, "\(generated.stderr)")
            }
            let seed = seedAdmin ? ["SEED_ADMIN_EMAIL": "admin@example.com", "SEED_ADMIN_PASSWORD": "a long password"] : [:]
            let server = try ServerProcess(dataDirectory: data, environment: seed)
            try await server.waitUntilHealthy()
            let environment = ["DA_CONFIG_DIR": directory.appending("config"), "DA_SERVER": server.baseURL.absoluteString]
            let harness = Harness(directory: directory, server: server, environment: environment)
            if seedAdmin {
                let login = try await harness.da(
                    ["auth", "login", "--email", "admin@example.com", "--password-stdin"], input: "a long password\n")
                #expect(login.status == 0, "\(login.stderr)")
            }
            return harness
        }

        /// Runs `da arguments` in this harness's environment (plus `extra`).
        func da(_ arguments: [String], input: String? = nil, extra: [String: String] = [:]) async throws -> CLIProcess.Result {
            try await CLIProcess.run(arguments, environment: environment.merging(extra) { _, new in new }, input: input)
        }

        /// Runs `da arguments --json`, expects exit code 0 and returns the parsed output.
        func json(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> Any {
            let result = try await da(arguments + ["--json"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        }

        /// The token `da` stored in token.json.
        func storedToken() throws -> String {
            let file = URL(fileURLWithPath: environment["DA_CONFIG_DIR", default: ""] + "/token.json")
            let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
            return try #require(stored?["access_token"] as? String)
        }

        /// POSTs `body` as JSON to the server; returns the parsed answer and the status code.
        func post(_ path: String, _ body: [String: Any], token: String? = nil) async throws -> ([String: Any], Int) {
            var request = URLRequest(url: server.baseURL.appendingPathComponent(path))
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            let (data, response) = try await URLSession.shared.data(for: request)
            return (
                (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:], (response as? HTTPURLResponse)?.statusCode ?? 0
            )
        }

        /// Stops the server (the directory stays until the test removes it).
        func stop() async {
            #expect(await server.stop() == 0)
        }
    }

    @Test func usersRoundTripAndErrors() async throws {
        let harness = try await Harness.start(sample: false, seedAdmin: true)
        defer { harness.directory.remove() }
        let added = try await harness.da(
            ["admin", "users", "add", "ana@example.com", "--name", "Ana", "--role", "analyst", "--password-stdin"],
            input: "an analyst password\n")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("Created user: ana@example.com"))
        var users = try #require(try await harness.json(["admin", "users", "list"]) as? [[String: Any]])
        let ana = try #require(users.first { $0["email"] as? String == "ana@example.com" })
        #expect(ana["role"] as? String == "analyst")
        #expect(ana["name"] as? String == "Ana")
        let anaID = try #require(ana["id"] as? String)
        let (login, loginStatus) = try await harness.post("auth/token", ["email": "ana@example.com", "password": "an analyst password"])
        #expect(loginStatus == 200, "the password from --password-stdin was set: \(login)")

        let table = try await harness.da(["admin", "users", "list"])
        #expect(table.stdout.hasPrefix("ID"), "a table with headers: \(table.stdout)")
        #expect(table.stdout.contains(anaID) && table.stdout.contains("ana@example.com"))

        let promoted = try await harness.da(["admin", "users", "set-role", "ANA@example.com", "km_admin"])
        #expect(promoted.status == 0, "\(promoted.stderr)")
        #expect(promoted.stdout.contains("ana@example.com is now km_admin"))
        users = try #require(try await harness.json(["admin", "users", "list"]) as? [[String: Any]])
        #expect(users.first { $0["id"] as? String == anaID }?["role"] as? String == "km_admin")

        let duplicate = try await harness.da(["admin", "users", "add", "ana@example.com"])
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("HTTP 409"), "\(duplicate.stderr)")

        let removed = try await harness.da(["admin", "users", "remove", anaID])
        #expect(removed.status == 0, "no prompt without a terminal: \(removed.stderr)")
        #expect(removed.stdout.contains("Deleted user ana@example.com"))
        users = try #require(try await harness.json(["admin", "users", "list"]) as? [[String: Any]])
        #expect(!users.contains { $0["email"] as? String == "ana@example.com" })
        #expect(users.map { $0["email"] as? String } == ["admin@example.com"])

        let unknown = try await harness.da(["admin", "users", "remove", "0badc0de-0000-4000-8000-000000000000"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("No user with the id or email \"0badc0de-0000-4000-8000-000000000000\""))
        #expect(unknown.stderr.contains("da admin users list"), "says what to do")
        let unknownEmail = try await harness.da(["admin", "users", "set-role", "nobody@example.com", "viewer"])
        #expect(unknownEmail.status == 1)
        let lastAdmin = try await harness.da(["admin", "users", "set-role", "admin@example.com", "viewer"])
        #expect(lastAdmin.status == 1, "the server refuses to demote the last admin")
        #expect(lastAdmin.stderr.contains("HTTP 409"), "\(lastAdmin.stderr)")

        let badRole = try await harness.da(["admin", "users", "set-role", "admin@example.com", "superuser"])
        #expect(badRole.status == 2)
        #expect(badRole.stderr.contains("viewer, analyst, km_admin, admin"))
        let missingArgument = try await harness.da(["admin", "users", "add"])
        #expect(missingArgument.status == 2)
        let noCommand = try await harness.da(["admin", "frobnicate"])
        #expect(noCommand.status == 2)

        // The reference spellings.
        let carol = try await harness.da(["admin", "add-user", "carol@example.com", "--role", "viewer"])
        #expect(carol.status == 0, "\(carol.stderr)")
        #expect(carol.stdout.contains("Created user: carol@example.com"))
        #expect(carol.stdout.contains("role: viewer"))
        users = try #require(try await harness.json(["admin", "list-users"]) as? [[String: Any]])
        let carolID = try #require(users.first { $0["email"] as? String == "carol@example.com" }?["id"] as? String)
        let listed = try await harness.da(["admin", "list-users"])
        let line = "  carol@example.com" + String(repeating: " ", count: 30 - 17) + " role=viewer     id=\(carolID.prefix(8))"
        #expect(listed.stdout.components(separatedBy: "\n").contains(line), "\(listed.stdout)")
        let removedAlias = try await harness.da(["admin", "remove-user", carolID])
        #expect(removedAlias.status == 0, "\(removedAlias.stderr)")
        #expect(removedAlias.stdout.contains("Deleted user "))
        users = try #require(try await harness.json(["admin", "users", "list"]) as? [[String: Any]])
        #expect(!users.contains { $0["id"] as? String == carolID })

        // A signed-in analyst is told admin commands need an admin.
        _ = try await harness.da(["admin", "users", "add", "bob@example.com", "--password-stdin"], input: "bob's password!\n")
        let bobConfig = harness.directory.appending("bob")
        let bobLogin = try await harness.da(
            ["auth", "login", "--email", "bob@example.com", "--password-stdin"], input: "bob's password!\n",
            extra: ["DA_CONFIG_DIR": bobConfig])
        #expect(bobLogin.status == 0, "\(bobLogin.stderr)")
        let refused = try await harness.da(["admin", "users", "list"], extra: ["DA_CONFIG_DIR": bobConfig])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("HTTP 403"))
        #expect(refused.stderr.contains("This needs an admin account"))
        let notLoggedIn = try await harness.da(["admin", "users", "list"], extra: ["DA_CONFIG_DIR": harness.directory.appending("none")])
        #expect(notLoggedIn.status == 1)
        #expect(notLoggedIn.stderr.contains("Not logged in. Run: da auth login"))
        await harness.stop()
    }

    @Test func tablesRegisterUpdateUploadAndDelete() async throws {
        let harness = try await Harness.start(sample: false, seedAdmin: true)
        defer { harness.directory.remove() }
        let registered = try await harness.da(["admin", "tables", "register", "Sales Upload", "--description", "Uploaded sales"])
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(registered.stdout.contains("Registered: Sales Upload (id: sales_upload)"))
        var registry = try #require(try await harness.json(["admin", "tables", "list"]) as? [String: Any])
        var row = try #require((registry["tables"] as? [[String: Any]])?.first { $0["id"] as? String == "sales_upload" })
        #expect(row["source_type"] as? String == "files", "files is the default source")
        #expect(row["is_public"] as? Bool == true)
        #expect(row["description"] as? String == "Uploaded sales")

        let updated = try await harness.da(
            ["admin", "tables", "update", "sales_upload", "--description", "Monthly sales", "--private", "--sync-schedule", "every 2h"])
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(updated.stdout.hasPrefix("Updated sales_upload: "), "\(updated.stdout)")
        #expect(["description", "is_public", "sync_schedule"].allSatisfy(updated.stdout.contains), "\(updated.stdout)")
        registry = try #require(try await harness.json(["admin", "tables", "list"]) as? [String: Any])
        row = try #require((registry["tables"] as? [[String: Any]])?.first { $0["id"] as? String == "sales_upload" })
        #expect(row["description"] as? String == "Monthly sales")
        #expect(row["is_public"] as? Bool == false)
        #expect(row["sync_schedule"] as? String == "every 2h")
        #expect(row["query_mode"] as? String == "local", "fields not given are unchanged")
        let text = try await harness.da(["admin", "tables", "list"])
        #expect(text.stdout.hasPrefix("Registered tables: 1\nID"), "\(text.stdout)")
        #expect(text.stdout.contains("Monthly sales"))

        let nothing = try await harness.da(["admin", "tables", "update", "sales_upload"])
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("nothing to change"))
        let badMode = try await harness.da(["admin", "tables", "update", "sales_upload", "--query-mode", "sideways"])
        #expect(badMode.status == 2)
        let badSchedule = try await harness.da(["admin", "tables", "update", "sales_upload", "--sync-schedule", "whenever"])
        #expect(badSchedule.status == 1, "the server checks schedules")
        #expect(badSchedule.stderr.contains("sync_schedule"), "\(badSchedule.stderr)")

        let csv = harness.directory.appending("sales.csv")
        try "region,amount\nnorth,10\nsouth,20\neast,30\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let upload = try #require(try await harness.json(["admin", "tables", "upload", "sales_upload", csv]) as? [String: Any])
        #expect(upload["rows"] as? Int == 3)
        #expect(upload["table_id"] as? String == "sales_upload")
        #expect((upload["columns"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["region", "amount"])
        let (manifestBody, manifestStatus) = try await HTTP.get(
            harness.server.baseURL.appendingPathComponent("api/sync/manifest"),
            headers: ["Authorization": "Bearer \(try harness.storedToken())"])
        #expect(manifestStatus == 200)
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestBody) as? [String: Any])
        let published = try #require((manifest["tables"] as? [String: Any])?["sales_upload"] as? [String: Any])
        #expect(published["rows"] as? Int == 3)
        #expect(published["hash"] as? String == upload["hash"] as? String)
        let textUpload = try await harness.da(["admin", "tables", "upload", "sales_upload", csv])
        #expect(textUpload.stdout.contains("Uploaded \(csv) to sales_upload: 3 rows"), "\(textUpload.stdout)")
        #expect(textUpload.stdout.contains("Columns: region VARCHAR, amount BIGINT"), "\(textUpload.stdout)")

        let unregistered = try await harness.da(["admin", "tables", "upload", "nope", csv])
        #expect(unregistered.status == 1)
        #expect(unregistered.stderr.contains("not registered"), "\(unregistered.stderr)")
        #expect(unregistered.stderr.contains("da admin tables list"))
        let missingFile = try await harness.da(["admin", "tables", "upload", "sales_upload", harness.directory.appending("absent.csv")])
        #expect(missingFile.status == 1)
        #expect(missingFile.stderr.contains("absent.csv"))

        // The reference spellings: 409 is "Already exists" with exit code 0.
        let first = try await harness.da(["admin", "register-table", "Orders2", "--description", "more orders"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "Registered: Orders2\n")
        let again = try await harness.da(["admin", "register-table", "Orders2"])
        #expect(again.status == 0)
        #expect(again.stdout == "Already exists: Orders2\n")
        let conflict = try await harness.da(["admin", "tables", "register", "Orders2"])
        #expect(conflict.status == 1, "the new spelling reports the conflict")
        #expect(conflict.stderr.contains("already registered"))
        let listTables = try await harness.da(["admin", "list-tables"])
        let lines = listTables.stdout.components(separatedBy: "\n")
        #expect(lines.first == "Registered tables: 2")
        #expect(
            lines.contains { $0.hasPrefix("  Orders2") && $0.contains("src=files") && $0.contains("mode=local") }, "\(listTables.stdout)")
        let aliasJSON = try #require(try await harness.json(["admin", "list-tables"]) as? [String: Any])
        let orders = try #require((aliasJSON["tables"] as? [[String: Any]])?.first { $0["id"] as? String == "orders2" })
        #expect(orders["source_table"] as? String == "Orders2", "the source table defaults to the name")

        for id in ["sales_upload", "orders2"] {
            let deleted = try await harness.da(["admin", "tables", "delete", id])
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(deleted.stdout.contains("Deleted table \(id)."))
        }
        registry = try #require(try await harness.json(["admin", "tables", "list"]) as? [String: Any])
        #expect((registry["tables"] as? [Any])?.isEmpty == true)
        let gone = try await harness.da(["admin", "tables", "delete", "sales_upload", "--yes"])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("HTTP 404"))
        #expect(gone.stderr.contains("da admin tables list"))
        await harness.stop()
    }

    @Test func permissionsAccessRequestsAndTokens() async throws {
        let harness = try await Harness.start(sample: false, seedAdmin: true)
        defer { harness.directory.remove() }
        let bob = try await harness.da(["admin", "users", "add", "bob@example.com", "--password-stdin"], input: "bob's password!\n")
        #expect(bob.status == 0, "\(bob.stderr)")

        let granted = try await harness.da(["admin", "permissions", "grant", "bob@example.com", "orders"])
        #expect(granted.status == 0, "\(granted.stderr)")
        #expect(granted.stdout.contains("Granted read on orders to bob@example.com."))
        let denied = try await harness.da(["admin", "permissions", "grant", "bob@example.com", "finance.*", "--access", "none"])
        #expect(denied.status == 0, "\(denied.stderr)")
        var mine = try #require(try await harness.json(["admin", "permissions", "list", "bob@example.com"]) as? [String: Any])
        var grants = (mine["permissions"] as? [[String: Any]] ?? []).map { "\($0["dataset"] ?? "")=\($0["access"] ?? "")" }
        #expect(grants.sorted() == ["finance.*=none", "orders=read"])
        let all = try await harness.da(["admin", "permissions", "list"])
        #expect(all.stdout.hasPrefix("USER"), "\(all.stdout)")
        #expect(all.stdout.contains("bob@example.com") && all.stdout.contains("finance.*"))
        let revoked = try await harness.da(["admin", "permissions", "revoke", "bob@example.com", "orders"])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout.contains("Revoked orders from bob@example.com."))
        mine = try #require(try await harness.json(["admin", "permissions", "list", "bob@example.com"]) as? [String: Any])
        grants = (mine["permissions"] as? [[String: Any]] ?? []).map { "\($0["dataset"] ?? "")=\($0["access"] ?? "")" }
        #expect(grants == ["finance.*=none"])
        let nobody = try await harness.da(["admin", "permissions", "grant", "nobody@example.com", "orders"])
        #expect(nobody.status == 1)
        #expect(nobody.stderr.contains("No user with the id or email"))
        let badAccess = try await harness.da(["admin", "permissions", "grant", "bob@example.com", "orders", "--access", "write"])
        #expect(badAccess.status == 2)

        // Bob asks for two tables; one is approved, one denied.
        let (login, _) = try await harness.post("auth/token", ["email": "bob@example.com", "password": "bob's password!"])
        let bobToken = try #require(login["access_token"] as? String)
        let (first, firstStatus) = try await harness.post(
            "api/access-requests", ["table_id": "customers", "reason": "churn study"], token: bobToken)
        #expect(firstStatus == 201)
        let (second, _) = try await harness.post("api/access-requests", ["table_id": "payroll"], token: bobToken)
        let firstID = try #require(first["id"] as? String)
        let secondID = try #require(second["id"] as? String)
        let pending = try #require(try await harness.json(["admin", "access-requests", "list"]) as? [String: Any])
        #expect(pending["count"] as? Int == 2)
        let requests = pending["requests"] as? [[String: Any]] ?? []
        #expect(requests.contains { $0["id"] as? String == firstID && $0["user_email"] as? String == "bob@example.com" })
        let pendingText = try await harness.da(["admin", "access-requests", "list"])
        #expect(pendingText.stdout.contains("churn study") && pendingText.stdout.contains(secondID))
        let approved = try await harness.da(["admin", "access-requests", "approve", firstID])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(approved.stdout.contains("Approved \(firstID): read access granted."))
        let deniedRequest = try await harness.da(["admin", "access-requests", "deny", secondID])
        #expect(deniedRequest.status == 0, "\(deniedRequest.stderr)")
        mine = try #require(try await harness.json(["admin", "permissions", "list", "bob@example.com"]) as? [String: Any])
        grants = (mine["permissions"] as? [[String: Any]] ?? []).map { "\($0["dataset"] ?? "")=\($0["access"] ?? "")" }
        #expect(grants.sorted() == ["customers=read", "finance.*=none"], "approval granted read; denial granted nothing")
        let empty = try await harness.da(["admin", "access-requests", "list"])
        #expect(empty.stdout == "No pending access requests.\n")
        let twice = try await harness.da(["admin", "access-requests", "approve", firstID])
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("HTTP 404"))
        #expect(twice.stderr.contains("da admin access-requests list"))

        // Personal access tokens: create, use, list, revoke.
        let created = try #require(
            try await harness.json(["admin", "tokens", "create", "ci", "--expires-in-days", "30"]) as? [String: Any])
        let secret = try #require(created["token"] as? String)
        let tokenID = try #require(created["id"] as? String)
        #expect(secret.hasPrefix("da_pat_"))
        #expect(created["expires_at"] is String)
        let whoami = try await harness.da(["auth", "whoami"], extra: ["DA_TOKEN": secret])
        #expect(whoami.status == 0, "the new token works: \(whoami.stderr)")
        #expect(whoami.stdout.contains("Email:  admin@example.com"))
        var tokens = try #require(try await harness.json(["admin", "tokens", "list"]) as? [[String: Any]])
        #expect(tokens.map { $0["id"] as? String } == [tokenID])
        #expect(tokens.first?["name"] as? String == "ci")
        #expect(tokens.first?["token"] == nil, "the secret is never listed")
        let listedTokens = try await harness.da(["admin", "tokens", "list"])
        #expect(listedTokens.stdout.contains(tokenID) && !listedTokens.stdout.contains(secret))
        let plain = try await harness.da(["admin", "tokens", "create", "laptop"])
        #expect(plain.stdout.contains("expires never"))
        #expect(plain.stdout.contains("da_pat_"), "the secret is shown once")
        let revokedToken = try await harness.da(["admin", "tokens", "revoke", tokenID])
        #expect(revokedToken.status == 0, "\(revokedToken.stderr)")
        #expect(revokedToken.stdout.contains("Revoked token \(tokenID)."))
        tokens = try #require(try await harness.json(["admin", "tokens", "list"]) as? [[String: Any]])
        #expect(!tokens.contains { $0["id"] as? String == tokenID })
        #expect(tokens.map { $0["name"] as? String } == ["laptop"])
        let rejected = try await harness.da(["auth", "whoami"], extra: ["DA_TOKEN": secret])
        #expect(rejected.status == 1, "a revoked token no longer works")
        let revokedAgain = try await harness.da(["admin", "tokens", "revoke", tokenID])
        #expect(revokedAgain.status == 1)
        #expect(revokedAgain.stderr.contains("Token not found"))
        let badDays = try await harness.da(["admin", "tokens", "create", "x", "--expires-in-days", "0"])
        #expect(badDays.status == 2)
        await harness.stop()
    }

    @Test func setupOnAServerWithData() async throws {
        let harness = try await Harness.start(sample: true, seedAdmin: true)
        defer { harness.directory.remove() }
        let connection = try await harness.da(["setup", "test-connection"])
        #expect(connection.status == 0, "\(connection.stderr)")
        #expect(connection.stdout.contains("Server \(harness.server.baseURL.absoluteString): "))
        #expect(connection.stdout.contains("  duckdb_state: ok"), "\(connection.stdout)")
        let health = try #require(try await harness.json(["setup", "test-connection"]) as? [String: Any])
        #expect((health["services"] as? [String: Any])?.keys.sorted() == ["corporate_memory", "data", "duckdb_state", "users"])

        let sync = try await harness.da(["setup", "first-sync"])
        #expect(sync.status == 0, "\(sync.stdout)\n\(sync.stderr)")
        #expect(sync.stdout.contains("Sync started: job "))
        #expect(sync.stdout.contains("Sync succeeded in "), "\(sync.stdout)")
        let started = try #require(try await harness.json(["setup", "first-sync", "--no-wait"]) as? [String: Any])
        let jobID = try #require(started["job_id"] as? String)
        #expect(started["status"] as? String == "triggered")
        let waited = try #require(try await harness.json(["setup", "first-sync"]) as? [String: Any])
        #expect(waited["status"] as? String == "succeeded")
        #expect(waited["id"] as? String != jobID)

        let verify = try #require(try await harness.json(["setup", "verify"]) as? [String: Any])
        let overall = try #require(verify["overall"] as? String)
        #expect(overall == "pass" || overall == "warn", "\(verify)")
        let checks = verify["checks"] as? [[String: Any]] ?? []
        let statuses = Dictionary(uniqueKeysWithValues: checks.map { ($0["name"] as? String ?? "", $0["status"] as? String ?? "") })
        #expect(checks.map { $0["name"] as? String ?? "" } == ["server", "auth", "data", "users", "web_ui", "api_docs"])
        #expect(statuses["auth"] == "pass")
        #expect(statuses["data"] == "pass")
        #expect(statuses["users"] == "pass")
        #expect(statuses["web_ui"] == "pass")
        #expect(statuses["api_docs"] == "pass", "the server publishes its contract at /openapi.json")
        let data = checks.first { $0["name"] as? String == "data" }?["detail"] as? String ?? ""
        #expect(data.hasSuffix(" rows") && (Int(data.prefix { $0 != " " }) ?? 0) > 0, "\(data)")
        let text = try await harness.da(["setup", "verify"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("  [OK  ] auth: token valid"), "\(text.stdout)")
        #expect(text.stdout.contains("  [OK  ] api_docs:"))

        let anonymous = try await harness.da(["setup", "verify", "--json"], extra: ["DA_CONFIG_DIR": harness.directory.appending("none")])
        #expect(anonymous.status == 1, "without a token the auth check fails")
        let failed = try #require(try JSONSerialization.jsonObject(with: Data(anonymous.stdout.utf8)) as? [String: Any])
        #expect(failed["overall"] as? String == "fail")

        let analyst = try await harness.da(["admin", "users", "add", "ann@example.com", "--password-stdin"], input: "ann's password!\n")
        #expect(analyst.status == 0)
        let annConfig = harness.directory.appending("ann")
        _ = try await harness.da(
            ["auth", "login", "--email", "ann@example.com", "--password-stdin"], input: "ann's password!\n",
            extra: ["DA_CONFIG_DIR": annConfig])
        let forbidden = try await harness.da(["setup", "first-sync"], extra: ["DA_CONFIG_DIR": annConfig])
        #expect(forbidden.status == 1, "first-sync needs an admin")
        #expect(forbidden.stderr.contains("This needs an admin account"))
        await harness.stop()
    }

    @Test func initAndBootstrapOnAnEmptyServer() async throws {
        let harness = try await Harness.start(sample: false, seedAdmin: false)
        defer { harness.directory.remove() }
        let config = harness.directory.appending("config")
        var environment = harness.environment
        environment["DA_SERVER"] = nil
        let url = harness.server.baseURL.absoluteString
        let run = { (arguments: [String], input: String?) in try await CLIProcess.run(arguments, environment: environment, input: input) }

        let initialised = try await run(["setup", "init", "--server", url + "/"], nil)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(initialised.stdout.contains("Config saved to \(config)/config.yaml"))
        let yaml = try String(contentsOfFile: config + "/config.yaml", encoding: .utf8)
        #expect(yaml.contains("server: \(url)\n"), "the trailing slash is dropped: \(yaml)")
        let connection = try await run(["setup", "test-connection"], nil)
        #expect(connection.status == 0, "a later command uses the configured server: \(connection.stderr)")
        #expect(connection.stdout.contains("Server \(url): "))

        let bootstrapped = try await run(
            ["setup", "bootstrap", "first@example.com", "--name", "First", "--password-stdin"], "the first password\n")
        #expect(bootstrapped.status == 0, "\(bootstrapped.stderr)")
        #expect(bootstrapped.stdout.contains("Admin user created: first@example.com"))
        let stored = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config + "/token.json"))) as? [String: Any])
        #expect(stored["email"] as? String == "first@example.com")
        #expect(stored["role"] as? String == "admin")
        #expect(stored["server"] as? String == url)
        let attributes = try FileManager.default.attributesOfItem(atPath: config + "/token.json")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let users = try await run(["admin", "users", "list", "--json"], nil)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(users.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["email"] as? String } == ["first@example.com"], "the saved token is an admin's")
        #expect(list.first?["name"] as? String == "First")
        let (_, loginStatus) = try await harness.post("auth/token", ["email": "first@example.com", "password": "the first password"])
        #expect(loginStatus == 200, "the password was set")

        let again = try await run(["setup", "bootstrap", "second@example.com"], nil)
        #expect(again.status == 0)
        #expect(again.stdout.hasPrefix("Bootstrap disabled: "), "\(again.stdout)")
        #expect(again.stdout.contains("da auth login"))
        let againJSON = try await run(["setup", "bootstrap", "second@example.com", "--json"], nil)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(againJSON.stdout.utf8)) as? [String: Any])
        #expect(answer["bootstrapped"] as? Bool == false)
        let stillFirst = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config + "/token.json"))) as? [String: Any])
        #expect(stillFirst["email"] as? String == "first@example.com", "a refused bootstrap keeps the token")

        let verify = try await run(["setup", "verify", "--json"], nil)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])
        #expect(report["overall"] as? String == "warn", "no tables yet is a warning: \(report)")
        #expect(verify.status == 0)

        let badURL = try await run(["setup", "init", "--server", "analyst.example.com"], nil)
        #expect(badURL.status == 2)
        #expect(badURL.stderr.contains("http:// or https://"))

        await harness.stop()
        let offline = try await run(["setup", "test-connection"], nil)
        #expect(offline.status == 1)
        #expect(offline.stderr.contains("Cannot reach the server at \(url)"))
    }
}
