import AnalystClient
import ArgumentParser

/// What `da sync` syncs: which tables, how many at a time, what to leave out, how fast.
struct SyncRunOptions: ParsableArguments {
    @Option(name: .customLong("table"), help: "Sync only this table (repeatable).")
    var tables: [String] = []

    @Option(help: "Parallel downloads (1–32).")
    var jobs = 4

    @Flag(help: "Only refresh docs and profiles; download no tables.")
    var docsOnly = false

    @Flag(help: "Only upload sessions and CLAUDE.local.md.")
    var uploadOnly = false

    @Flag(help: "Do not upload sessions and CLAUDE.local.md.")
    var noUpload = false

    @Flag(help: "Show what would be downloaded, removed and uploaded; change nothing.")
    var dryRun = false

    @Option(help: "Limit each download to this many bytes a second, e.g. 500K, 2M.")
    var limitRate: String?

    func validate() throws {
        guard (1...32).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 32") }
        guard !(uploadOnly && (docsOnly || noUpload)) else {
            throw ValidationError("--upload-only cannot be combined with --docs-only or --no-upload")
        }
        if let limitRate, SyncOptions.parseRate(limitRate) == nil {
            throw ValidationError("--limit-rate takes a byte count such as 500K, 2M or 1G")
        }
    }

    /// The library's options for these.
    var syncOptions: SyncOptions {
        var options = SyncOptions()
        options.tables = tables
        options.jobs = jobs
        options.docsOnly = docsOnly
        options.uploadOnly = uploadOnly
        options.noUpload = noUpload
        options.dryRun = dryRun
        options.bytesPerSecond = limitRate.flatMap(SyncOptions.parseRate)
        return options
    }
}
