import AnalystCore
import Foundation
import Synchronization
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

    /// A job's profile step gives way to a queued job (10,000 new tables are minutes of profiling): the queued job
    /// runs next, profiles only the tables it extracted, and ends; what the first left is profiled after it, while
    /// no job waits.
    @Test func profilingGivesWayToAQueuedJobAndGoesOnBetweenJobs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let stores = dependencies.stores
        // Each profiling pass's `only`, in order. 6,000 tables are due, each takes 10 ms to profile (up to 60 s).
        let (passes, pass) = AsyncStream.makeStream(of: Set<String>?.self)
        let due = Mutex(6_000)
        let jobs = SyncJobs(
            orchestrator: stores.orchestrator, analytics: stores.analytics, history: stores.syncHistory,
            logger: LogCapture().logger(),
            extract: { tables in (tables ?? []).map { TableOutcome(table: $0, source: "shop") } },
            onPublished: { _ in [:] },
            refreshProfiles: { only, giveWay in
                pass.yield(only)
                // None of the fake's tables was extracted by a job: a pass given `only` leaves them all.
                guard only == nil else { return TableProfiles.Pass(left: due.withLock { $0 }) }
                while due.withLock({ $0 }) > 0 {
                    if giveWay() { return TableProfiles.Pass(left: due.withLock { $0 }) }
                    try? await Task.sleep(for: .milliseconds(10))
                    due.withLock { $0 -= 1 }
                }
                return TableProfiles.Pass()
            })
        let runner = Task { await jobs.run() }
        var seen = passes.makeAsyncIterator()
        let first = jobs.trigger(tables: [])
        #expect(await seen.next() == .some(nil), "alone, a job profiles every table due")
        let second = jobs.trigger(tables: ["orders"])
        let secondEnded = await jobs.wait(for: second.id)
        let firstEnded = try #require(jobs.job(id: first.id))
        #expect(firstEnded.status == .succeeded)
        #expect(secondEnded?.status == .succeeded)
        let firstFinished = try #require(firstEnded.finishedAt)
        let secondStarted = try #require(secondEnded?.startedAt)
        #expect(firstFinished <= secondStarted, "the first ended before the second began")
        #expect(await seen.next() == .some(["orders"]), "the second profiled only the table it extracted")
        #expect(await seen.next() == .some(nil), "what the first left is profiled after the second")
        runner.cancel()
        await dependencies.close()
    }
}
