import AnalystClient
import ArgumentParser
import Foundation

struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Set up an instance: point da at it, create the first admin, check it, run the first sync, verify.",
        discussion: """
            In order: da setup init --server URL; da setup bootstrap EMAIL; da setup test-connection; \
            da setup first-sync; da setup verify.
            """,
        subcommands: [Init.self, Bootstrap.self, TestConnection.self, FirstSync.self, Verify.self])
}

extension Setup {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Save the server's URL in config.yaml (in the config directory) for every later command.",
            discussion: "DA_SERVER and --server still win over config.yaml.")

        @Option(help: "The server's URL (default: DA_SERVER, else \(ClientEnvironment.defaultServer)).")
        var server: String?

        @Flag(help: "Print the result as JSON.")
        var json = false

        func validate() throws {
            if let server, !Setup.isServerURL(server) {
                throw ValidationError("--server must be an http:// or https:// URL such as https://analyst.example.com, not \"\(server)\"")
            }
        }

        func run() async throws {
            let process = ProcessInfo.processInfo
            let environment = ClientEnvironment(
                environment: process.environment, currentDirectory: FileManager.default.currentDirectoryPath,
                homeDirectory: NSHomeDirectory())
            let url = ClientEnvironment.serverURL(flag: server, environment: process.environment, configured: nil)
            try await reportingErrors {
                let file = try SetupClient.writeConfig(server: url, configDirectory: environment.configDirectory)
                if json { return Terminal.printJSON(["server": url, "config": file.path]) }
                print("Server: \(url)")
                print("Config saved to \(file.path)")
                if let overriding = process.environment["DA_SERVER"], !overriding.isEmpty, overriding != url {
                    Terminal.printError("Note: DA_SERVER=\(overriding) is set and wins over config.yaml in this shell.")
                } else if let loggedIn = (try? TokenStore(configDirectory: environment.configDirectory).load())?.flatMap(\.server),
                    loggedIn != url
                {
                    Terminal.printError(
                        "Note: you are logged in to \(loggedIn), and commands go there until you log in to \(url) (da auth login).")
                }
                print("Next: da setup bootstrap EMAIL (first admin of a new server), or da auth login")
            }
        }
    }

    struct Bootstrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bootstrap",
            abstract: "Create the first admin of a new server (only while it has no users) and log in as them.",
            discussion: "Without --password-stdin you are asked on a terminal; Enter (or no terminal) means no password.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The admin's email.")
        var email: String

        @Option(help: "Display name (default: the part of the email before @).")
        var name: String?

        @Flag(help: "Read the password (at least 10 characters) from standard input.")
        var passwordStdin = false

        func run() async throws {
            let password: String?
            if passwordStdin {
                password = try AdminOutput.passwordFromStandardInput(true)
            } else {
                password = Terminal.askSecret("Password for \(email) (Enter for none): ").flatMap { $0.isEmpty ? nil : $0 }
            }
            let session = options.session()
            try await reportingErrors {
                do {
                    let stored = try await SetupClient(session: session).bootstrap(email: email, name: name, password: password)
                    if options.json {
                        return Terminal.printJSON([
                            "bootstrapped": true, "email": stored.email, "role": stored.role, "server": session.server,
                        ])
                    }
                    print("Admin user created: \(stored.email)")
                    print("Token saved: you are logged in as \(stored.role) on \(session.server).")
                    print("Next: da setup test-connection")
                } catch ClientError.server(status: 403, let detail) {
                    if options.json { return Terminal.printJSON(["bootstrapped": false, "detail": detail]) }
                    print("Bootstrap disabled: \(detail)")
                    print("Users already exist. Log in with: da auth login --email \(email)")
                }
            }
        }
    }

    struct TestConnection: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-connection", abstract: "Check that the server answers and show the state of its services.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            let session = options.session()
            try await reportingErrors {
                let health = try await SetupClient(session: session).health()
                if options.json { return Terminal.printJSON(health) }
                let status = health["status"] as? String ?? "unknown"
                print("Server \(session.server): \(status)")
                let services = health["services"] as? [String: Any] ?? [:]
                for name in services.keys.sorted() {
                    let service = services[name] as? [String: Any] ?? [:]
                    let detail = service["detail"] as? String
                    print("  \(name): \(service["status"] as? String ?? "?")" + (detail.map { " (\($0))" } ?? ""))
                }
                print(status == "healthy" ? "Server is healthy." : "Server has issues; see the services above.")
                print("Next: da setup first-sync")
            }
        }
    }

    struct FirstSync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "first-sync", abstract: "Sync every registered table on the server (admin) and follow the job until it ends.",
            discussion: "Exit code 1 when the job fails.")

        @OptionGroup var options: ServerOptions

        @Flag(help: "Return once the sync has started.")
        var noWait = false

        func run() async throws {
            let client = SetupClient(session: options.session())
            try await reportingAdminErrors {
                let started = try await client.triggerSync()
                guard let jobID = started["job_id"] as? String else {
                    throw ClientError.server(status: 202, detail: "the server's answer to /api/sync/trigger has no job_id")
                }
                if noWait {
                    if options.json { return Terminal.printJSON(started) }
                    print("Sync started: job \(jobID)")
                    return print("Then: da setup verify")
                }
                if !options.json { print("Sync started: job \(jobID)") }
                var job: [String: Any] = [:]
                var lastStep = ""
                while true {
                    job = try await client.syncJob(id: jobID)
                    let step = job["step"] as? String ?? ""
                    if !options.json, !step.isEmpty, step != lastStep { print("  \(step)") }
                    lastStep = step
                    if SetupClient.isFinished(job) { break }
                    try await Task.sleep(for: .milliseconds(500))
                }
                try FirstSync.report(job, json: options.json)
            }
        }

        /// Prints how the job ended (with any per-table errors); exit code 1 when it failed.
        static func report(_ job: [String: Any], json: Bool) throws {
            let failed = job["status"] as? String == "failed"
            if json {
                Terminal.printJSON(job)
            } else {
                if failed {
                    Terminal.printError("Sync failed:")
                } else {
                    let changed = (job["changed_tables"] as? [String] ?? []).joined(separator: ", ")
                    let seconds = String(format: "%.1f", Double(job["duration_ms"] as? Int ?? 0) / 1000)
                    print("Sync succeeded in \(seconds) s; tables changed: \(changed.isEmpty ? "none" : changed)")
                }
                let errors = job["errors"] as? [String: String] ?? [:]
                for (table, message) in errors.sorted(by: { $0.key < $1.key }) { Terminal.printError("  \(table): \(message)") }
                if failed {
                    Terminal.printError("Fix the sources above, then run da setup first-sync again.")
                } else {
                    print("Next: da setup verify")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the instance end to end: server, auth, data, users, web UI, API docs.",
            discussion: "Exit code 1 when a check fails; warnings (e.g. no tables yet) still exit 0.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            let report = await SetupClient(session: options.session()).verify()
            if options.json {
                Terminal.printJSON(report.json)
            } else {
                let labels: [VerifyReport.Status: String] = [.pass: "OK", .warn: "WARN", .fail: "FAIL", .skip: "SKIP"]
                for check in report.checks {
                    print("  [\(AdminOutput.pad(labels[check.status] ?? "", 4))] \(check.name): \(check.detail)")
                }
                switch report.overall {
                case .fail: print("Some checks FAILED. See above for details.")
                case .warn: print("The instance is running but some items need attention.")
                case .pass, .skip: print("All checks passed! The instance is ready.")
                }
            }
            if report.overall == .fail { throw ExitCode(1) }
        }
    }

    /// Whether `text` is an http(s) URL with a host.
    static func isServerURL(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host else { return false }
        return (scheme == "http" || scheme == "https") && !host.isEmpty
    }
}
