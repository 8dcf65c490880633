import AnalystClient
import ArgumentParser
import Foundation

/// `da sync`: bring the tables this user may read into the workspace, and upload sessions and notes.
struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Download the tables you may read into server/parquet, refresh the local DuckDB views, docs and profiles, "
            + "and upload your sessions and notes.",
        discussion: """
            Only what changed is downloaded (by SHA-256); downloads run in parallel, resume after an interruption and \
            are verified before they replace anything. Tables you may no longer read are removed. Tables and views you \
            created in user/duckdb/analytics.duckdb are never touched. Exit code 1 if any table failed.
            """)

    @OptionGroup var options: ServerOptions

    @OptionGroup var selection: SyncRunOptions

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func run() async throws {
        let session = options.session()
        let syncOptions = selection.syncOptions
        let display = SyncDisplay(mode: options.json || quiet ? .silent : Terminal.isInteractiveError ? .live : .lines)
        try await reportingErrors {
            guard let token = try session.currentToken() else { throw ClientError.notLoggedIn }
            let syncer = Syncer(
                server: session.server, token: token, workspace: Workspace(path: session.environment.workspace),
                progress: display.progress, onEvent: { display.event($0) })
            let report = try await display.showingProgress { try await syncer.run(syncOptions) }
            if options.json {
                print(report.json)
            } else {
                SyncDisplay.summary(report, quiet: quiet)
            }
            if report.failed { throw ExitCode(1) }
        }
    }
}
