import AnalystAPI
import AnalystClient
import ArgumentParser
import Foundation

extension Setup {
    /// `da setup first-sync`: sync every registered table on the server and follow the job.
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
                let jobID = started.value.jobId
                if noWait {
                    if options.json { return JSONOutput.print(started) }
                    print("Sync started: job \(jobID)")
                    return print("Then: da setup verify")
                }
                if !options.json { print("Sync started: job \(jobID)") }
                var lastStep = ""
                while true {
                    let job = try await client.syncJob(id: jobID)
                    let step = job.value.step.rawValue
                    if !options.json, step != lastStep { print("  \(step)") }
                    lastStep = step
                    if job.value.isFinished { return try SyncJobText.report(job, json: options.json) }
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
        }
    }
}
