import AnalystAPI
import AnalystClient
import ArgumentParser
import Foundation

/// How a server sync job ended, as `da setup first-sync` tells it.
enum SyncJobText {
    /// Prints how the job ended (with any per-table errors); exit code 1 when it failed or only partly succeeded.
    static func report(_ job: ServerAnswer<Schemas.SyncJob>, json: Bool) throws {
        let failed = job.value.status == .failed
        let partial = job.value.status == .partial
        if json {
            JSONOutput.print(job)
        } else {
            if failed {
                Terminal.printError("Sync failed:")
            } else if partial {
                Terminal.printError("Sync partly failed: the tables below keep their last good data; the others are published.")
            } else {
                let changed = (job.value.changedTables ?? []).joined(separator: ", ")
                let seconds = String(format: "%.1f", Double(job.value.durationMs ?? 0) / 1000)
                print("Sync succeeded in \(seconds) s; tables changed: \(changed.isEmpty ? "none" : changed)")
            }
            for (table, message) in job.value.errors.additionalProperties.sorted(by: { $0.key < $1.key }) {
                Terminal.printError("  \(table): \(message)")
            }
            if failed || partial {
                Terminal.printError("Fix the sources above, then run da setup first-sync again.")
            } else {
                print("Next: da setup verify")
            }
        }
        if failed || partial { throw ExitCode(1) }
    }
}
