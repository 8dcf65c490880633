import AnalystAPI
import AnalystCore
import ArgumentParser
import Connectors
import Foundation

/// `da-server jira …`: the Jira connector's maintenance commands.
struct JiraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jira", abstract: "Jira connector maintenance.", subcommands: [JiraBackfillCommand.self])
}

/// `da-server jira backfill`: loads Jira's history through the server's queue.
struct JiraBackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Load Jira issues in bulk (JQL search) into the jira_* tables.",
        discussion: """
            Uses JIRA_DOMAIN or JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN like the server. Each issue found is queued \
            in DATA_DIR/extracts/jira/events/pending; the running server applies them in batches (webhooks keep \
            working meanwhile) and the command follows until they are applied, unless --no-wait. If the server is not \
            running, they are applied when it starts.
            """)

    @Option(help: "Data directory (env DATA_DIR; default ./data).")
    var dataDir: String?

    @Option(help: "The issues to load (default: instance.yaml jira.jql). Jira refuses a JQL without a restriction.")
    var jql: String?

    @Option(help: "Issues whose remote links are fetched at once (1–16).")
    var parallel = 4

    @Flag(help: "Return once everything is queued instead of following the server applying it.")
    var noWait = false

    @Flag(help: "Print the result as JSON (progress still goes to stderr).")
    var json = false

    func run() async throws {
        guard (1...16).contains(parallel) else { throw ValidationError("--parallel must be between 1 and 16, got \(parallel)") }
        let environment = ProcessInfo.processInfo.environment
        let instance = try InstanceConfig.load(environment: environment, currentDirectory: FileManager.default.currentDirectoryPath)
        let settings = try JiraSettings.resolve(instance: instance, environment: environment)
        guard let query = jql ?? settings.jql else {
            throw ValidationError("say which issues to load: --jql \"project = SUP\" (or set jira.jql in instance.yaml)")
        }
        let path = dataDir ?? environment["DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
        let directory = DataDirectory(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        let queue = JiraEventQueue(data: directory)
        guard let backfill = JiraBackfill(settings: settings, queue: queue) else {
            throw ValidationError("Jira is not configured: set JIRA_DOMAIN (or JIRA_BASE_URL), JIRA_EMAIL and JIRA_API_TOKEN")
        }
        let started = ContinuousClock.now
        let result: JiraBackfill.Progress
        do {
            result = try await backfill.run(jql: query, parallel: parallel) { progress in
                Self.note("page \(progress.pages): \(progress.queued) issues queued")
            }
        } catch {
            throw ValidationError("the backfill stopped: \(error) (issues queued so far stay queued and are applied)")
        }
        for (key, reason) in result.incomplete.sorted(by: { $0.key < $1.key }) {
            Self.note("\(key): queued without its remote links or SLAs (\(reason)); the next SLA poll or consistency pass adds them")
        }
        var remaining = result.events.count
        if !noWait, remaining > 0 {
            remaining = try await follow(result.events, in: queue)
        }
        let seconds = Double(started.duration(to: .now).wholeMilliseconds) / 1000
        if json {
            let object: [String: Any] = [
                "jql": query, "issues": result.issues, "queued": result.queued, "pages": result.pages, "waiting": remaining,
                "incomplete": result.incomplete, "seconds": seconds,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            let state = remaining == 0 ? "applied" : "queued (\(remaining) not applied yet)"
            print("backfill of \(query): \(result.queued) issues \(state) in \(String(format: "%.1f", seconds)) s")
        }
    }

    /// Reports the queued events being applied until none is left or nothing moves for 30 seconds; returns how many
    /// are still queued.
    private func follow(_ events: [String], in queue: JiraEventQueue) async throws -> Int {
        var left = Set(events)
        var lastChange = ContinuousClock.now
        while !left.isEmpty {
            try await Task.sleep(for: .seconds(1))
            let pending = Set(queue.pendingIDs())
            let before = left.count
            left.formIntersection(pending)
            if left.count != before {
                lastChange = .now
                Self.note("applied \(events.count - left.count) of \(events.count)")
            } else if ContinuousClock.now - lastChange > .seconds(30) {
                Self.note("nothing was applied for 30 s: is da-server running on this data directory? The issues stay queued.")
                break
            }
        }
        return left.count
    }

    private static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
