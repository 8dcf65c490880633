import Foundation
import Logging

/// The scheduler's pass over deployed scripts: every script whose time has come runs once, as its owner.
public enum ScheduledScripts {
    /// Runs the scripts due now (claimed first, so a slow run is never started twice), two at a time.
    public static func runDue(runner: ScriptRunner, users: UserRepository, logger: Logger, now: Date = Date()) async {
        let due: [ScriptStore.Script]
        do {
            due = try await runner.store.claimDue(now: now)
        } catch {
            logger.error("could not read the scripts that are due", metadata: ["error": "\(error)"])
            return
        }
        guard !due.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for script in due {
                if running == 2 {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    do {
                        guard let owner = try await users.find(id: script.ownerID) else { return }
                        let outcome = try await runner.run(
                            source: script.source, name: script.name, scriptID: script.id, owner: owner, trigger: "schedule")
                        logger.info(
                            "scheduled script ran",
                            metadata: [
                                "script": "\(script.name)", "owner": "\(owner.email)",
                                "exit_code": "\(outcome.result.exitCode.map(String.init) ?? "-")",
                                "notified": "\(outcome.run.notified)",
                            ])
                    } catch {
                        logger.error("a scheduled script could not run", metadata: ["script": "\(script.name)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}
