import AnalystClient
import ArgumentParser
import Foundation

/// `da status`: the server's health and what the workspace has synced.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The server's health and data freshness, or (--local) what this workspace has synced.")

    @OptionGroup var options: ServerOptions

    @Flag(help: "Only the workspace: tables synced and when (no server needed).")
    var local = false

    /// What `--json` adds to the server's health report.
    struct Additions: Encodable {
        let local: LocalStatus
        let server: String
    }

    func run() async throws {
        let session = options.session()
        let workspace = Workspace(path: session.environment.workspace)
        try await reportingErrors {
            let localReport = try LocalStatus.report(workspace: workspace)
            if local {
                if options.json { return try JSONOutput.print(localReport) }
                print("Tables synced: \(localReport.tablesSynced)")
                print("Last sync:     \(localReport.lastSync)")
                print("Workspace:     \(workspace.root.path)")
                return
            }
            let health = try await SetupClient(session: session).health()
            if options.json { return try JSONOutput.print(health, adding: Additions(local: localReport, server: session.server)) }
            print("Server: \(session.server)")
            print("Status: \(health.value.status.rawValue)")
            for (name, service) in health.value.services.byName {
                let details = service.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
                print("  \(name): \(service.status.rawValue) (\(details))")
            }
            print("Local: \(localReport.tablesSynced) tables synced, last sync \(localReport.lastSync)")
        }
    }
}
