import AnalystAPI
import AnalystClient
import ArgumentParser
import Foundation

/// How a server sync job ended, as `da setup first-sync` tells it.
enum SyncJobText {
    /// Prints how the job ended (with any per-table errors); exit code 1 when it failed.
    static func report(_ job: ServerAnswer<Schemas.SyncJob>, json: Bool) throws {
        let failed = job.value.status == .failed
        if json {
            JSONOutput.print(job)
        } else {
            if failed {
                Terminal.printError("Sync failed:")
            } else {
                let changed = (job.value.changedTables ?? []).joined(separator: ", ")
                let seconds = String(format: "%.1f", Double(job.value.durationMs ?? 0) / 1000)
                print("Sync succeeded in \(seconds) s; tables changed: \(changed.isEmpty ? "none" : changed)")
            }
            for (table, message) in job.value.errors.additionalProperties.sorted(by: { $0.key < $1.key }) {
                Terminal.printError("  \(table): \(message)")
            }
            if failed {
                Terminal.printError("Fix the sources above, then run da setup first-sync again.")
            } else {
                print("Next: da setup verify")
            }
        }
        if failed { throw ExitCode(1) }
    }
}
