import Foundation

/// Loads Jira's history in bulk: pages through a JQL search (`POST /rest/api/3/search/jql`, `nextPageToken`) with
/// every field and the changelog, fetches each issue's remote links (and service-desk SLAs when on) `parallel` at a
/// time, and queues each issue as a snapshot event in the Jira source's queue. The server applies them like
/// webhooks, in batches, with its one writer, so a backfill can run while webhooks keep arriving (an older snapshot
/// never replaces a newer issue: `updated_at` decides).
public struct JiraBackfill: Sendable {
    let client: JiraClient
    let queue: JiraEventQueue

    /// How far a backfill got.
    public struct Progress: Sendable, Equatable {
        public var pages = 0
        public var issues = 0
        public var queued = 0
        /// Issues whose remote links or SLAs could not be fetched (queued without them; the SLA poll and the
        /// consistency pass fill them in), by key with the reason.
        public var incomplete: [String: String] = [:]
        /// The ids of the queued events (to follow them being applied).
        public var events: [String] = []

        public init() {}
    }

    /// `nil` when Jira is not configured (site, email and API token).
    public init?(settings: JiraSettings, queue: JiraEventQueue) {
        guard let client = JiraClient(settings: settings) else { return nil }
        self.client = client
        self.queue = queue
    }

    /// Runs the backfill of `jql`; `progress` hears after each page. Throws when the search itself fails (what was
    /// queued so far stays queued and is applied).
    public func run(jql: String, parallel: Int, progress: @Sendable (Progress) -> Void) async throws(JiraError) -> Progress {
        var state = Progress()
        var token: String?
        let serviceDesk = client.settings.serviceDesk
        repeat {
            let page = try await client.search(
                jql: jql, fields: ["*all"], expand: "renderedFields,changelog", nextPageToken: token, maxResults: 100)
            token = page.nextPageToken
            state.pages += 1
            state.issues += page.issues.count
            let client = self.client
            let queue = self.queue
            let results = await withTaskGroup(of: (String, Result<String, JiraError>, String?).self) { group in
                var pending = page.issues[...]
                var results: [(String, Result<String, JiraError>, String?)] = []
                func next(_ group: inout TaskGroup<(String, Result<String, JiraError>, String?)>) {
                    guard let issue = pending.popFirst() else { return }
                    group.addTask {
                        var missing: String?
                        var links: Data?
                        var slas: Data?
                        do {
                            links = try await client.remoteLinks(issue.key)
                            if serviceDesk { slas = try await client.slas(issue.key) }
                        } catch {
                            missing = "\(error)"
                        }
                        let body = JiraEvent.snapshot(issue: issue.json, remoteLinks: links, slas: slas)
                        do {
                            return (issue.key, .success(try await queue.appendInBackground(body)), missing)
                        } catch {
                            return (issue.key, .failure(JiraError(.failed, "could not queue \(issue.key): \(error)")), missing)
                        }
                    }
                }
                for _ in 0..<max(1, parallel) { next(&group) }
                for await result in group {
                    results.append(result)
                    next(&group)
                }
                return results
            }
            for (key, queued, missing) in results {
                switch queued {
                case .success(let id):
                    state.queued += 1
                    state.events.append(id)
                case .failure(let error): throw error
                }
                if let missing { state.incomplete[key] = missing }
            }
            progress(state)
        } while token != nil
        return state
    }
}
