import AnalystClient
import ArgumentParser
import DuckDB
import Foundation

struct Explore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Show a table's columns, row count, sample rows and profile highlights (local, or --remote).")

    @OptionGroup var options: ServerOptions

    @Argument(help: "The table.")
    var table: String

    @Flag(help: "Ask the server's catalog instead of the local DuckDB (works for tables you have not synced).")
    var remote = false

    func run() async throws {
        let session = options.session()
        let explorer = TableExplorer(workspace: Workspace(path: session.environment.workspace))
        let table = self.table
        try await reportingErrors {
            let overview: TableOverview
            if remote {
                guard let token = try session.currentToken() else { throw ClientError.notLoggedIn }
                overview = try await explorer.remote(table, client: APIClient(server: session.server, token: token))
            } else {
                overview = try await BlockingExecutor(name: "da-explore").run { try explorer.local(table) }
            }
            if options.json {
                Terminal.printJSON(overview.json)
            } else {
                print(Explore.render(overview))
            }
        }
    }

    static func render(_ overview: TableOverview) -> String {
        var lines: [String] = []
        let rows = overview.rowCount.map { "\($0.formatted()) rows" } ?? "rows unknown"
        lines.append("\(overview.table) — \(rows), \(overview.columns.count) columns (\(overview.source))")
        if let description = overview.description { lines.append(description) }
        lines.append("")
        let columns = ResultTable(
            columns: ["column", "type", "nullable", "complete", "top values"],
            rows: overview.columns.map { column in
                [
                    column.name, column.type, column.nullable.map { $0 ? "yes" : "no" } ?? "-",
                    column.completenessPct.map { String(format: "%.1f%%", $0) } ?? "-",
                    column.topValues.isEmpty ? "-" : column.topValues.joined(separator: ", "),
                ]
            })
        lines.append(columns.render(.table).components(separatedBy: "\n").dropLast().joined(separator: "\n"))
        if !overview.sample.rows.isEmpty {
            lines.append("")
            lines.append("Sample rows:")
            lines.append(overview.sample.render(.table))
        }
        if !overview.alerts.isEmpty {
            lines.append("")
            lines.append("Alerts:")
            lines += overview.alerts.map { "  - \($0)" }
        }
        if let profiled = overview.profiledAt { lines.append("\nProfile from \(profiled)") }
        return lines.joined(separator: "\n")
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The server's health and data freshness, or (--local) what this workspace has synced.")

    @OptionGroup var options: ServerOptions

    @Flag(help: "Only the workspace: tables synced and when (no server needed).")
    var local = false

    func run() async throws {
        let session = options.session()
        let workspace = Workspace(path: session.environment.workspace)
        try await reportingErrors {
            let localReport = try LocalStatus.report(workspace: workspace)
            if local {
                if options.json { return Terminal.printJSON(localReport) }
                print("Tables synced: \(localReport["tables_synced"] as? Int ?? 0)")
                print("Last sync:     \(localReport["last_sync"] as? String ?? "never")")
                print("Workspace:     \(workspace.root.path)")
                return
            }
            var health = try await APIClient(server: session.server, token: nil).object(.GET, "/api/health")
            if options.json {
                health["server"] = session.server
                health["local"] = localReport
                return Terminal.printJSON(health)
            }
            print("Server: \(session.server)")
            print("Status: \(health["status"] as? String ?? "unknown")")
            for (name, value) in (health["services"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let service = value as? [String: Any] ?? [:]
                let details = service.filter { $0.key != "status" }.sorted { $0.key < $1.key }.map { "\($0.key)=\(Status.text($0.value))" }
                print(
                    "  \(name): \(service["status"] as? String ?? "?")\(details.isEmpty ? "" : " (" + details.joined(separator: ", ") + ")")"
                )
            }
            print(
                "Local: \(localReport["tables_synced"] as? Int ?? 0) tables synced, last sync \(localReport["last_sync"] as? String ?? "never")"
            )
        }
    }

    static func text(_ value: Any) -> String {
        if let list = value as? [Any] { return "[" + list.map(text).joined(separator: ", ") + "]" }
        return "\(value)"
    }
}

struct Diagnose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Check the server, your token, the clock, the local DuckDB, the sync and disk space; suggest fixes.",
        discussion: "Exit code 1 when a check fails (warnings exit 0).")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let session = options.session()
        let workspace = Workspace(path: session.environment.workspace)
        let token = try? session.currentToken()
        let diagnosis = await Diagnosis.run(server: session.server, token: token, workspace: workspace)
        if options.json {
            Terminal.printJSON(diagnosis.json)
        } else {
            print("Overall: \(diagnosis.overall.rawValue)")
            for check in diagnosis.checks {
                let latency = check.latencyMs.map { String(format: " (%.1f ms)", $0) } ?? ""
                print("  [\(check.status.rawValue.uppercased())] \(check.name): \(check.detail)\(latency)")
            }
            if !diagnosis.suggestedActions.isEmpty {
                print("Suggested actions:")
                for action in diagnosis.suggestedActions { print("  - \(action)") }
            }
        }
        if diagnosis.overall == .fail { throw ExitCode(1) }
    }
}

struct Skills: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills",
        abstract: "Built-in guides for AI agents and analysts (markdown).", subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the guides.")

        @Flag(help: "Print the list as JSON.")
        var json = false

        func run() {
            if json { return Terminal.printJSON(Skill.all.map { ["name": $0.name, "summary": $0.summary] }) }
            let width = Skill.all.map(\.name.count).max() ?? 0
            for skill in Skill.all { print("\(skill.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(skill.summary)") }
            print("\nRead one with: da skills show NAME")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a guide.")

        @Argument(help: "The guide's name (see da skills list).")
        var name: String

        func run() throws {
            guard let skill = Skill.named(name) else {
                Terminal.printError("Unknown skill '\(name)'. Available: \(Skill.all.map(\.name).joined(separator: ", "))")
                throw ExitCode(1)
            }
            print(skill.markdown)
        }
    }
}
