import AnalystCore
import Foundation
import TestSupport
import Testing

@testable import AnalystServer

/// Waiting for a sync job is woken by the job's end (no polling), and never outlives the job's record.
@Suite(.timeLimit(.minutes(1)))
struct SyncJobsTests {
    @Test func aWaitEndsWhenTheJobFinishes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let jobs = dependencies.background.syncJobs
        #expect(await jobs.wait(for: "no-such-job") == nil)
        let job = jobs.trigger(tables: nil)
        let runner = Task { await jobs.run() }
        let finished = await jobs.wait(for: job.id)
        #expect(finished?.status == .succeeded)
        #expect(finished?.step == .done)
        #expect(finished?.finishedAt != nil)
        #expect(await jobs.wait(for: job.id) == finished, "a finished job answers at once")
        runner.cancel()
        await dependencies.close()
    }

    @Test func aWaitEndsWhenTheJobIsForgotten() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let jobs = dependencies.background.syncJobs
        // Nothing runs the queue here, so the first job stays queued until 100 newer ones push it out of memory.
        let first = jobs.trigger(tables: nil)
        let waiter = Task { await jobs.wait(for: first.id) }
        try await Task.sleep(for: .milliseconds(100))
        for _ in 0..<100 { _ = jobs.trigger(tables: nil) }
        #expect(jobs.job(id: first.id) == nil)
        #expect(await waiter.value == nil)
        await dependencies.close()
    }
}
