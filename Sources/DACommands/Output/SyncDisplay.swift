import AnalystClient
import Foundation

/// The sync's output on the terminal: a live progress line (standard error, redrawn ten times a second) when it is
/// a terminal, a plain line per table otherwise, nothing with `--json`/`--quiet`.
final class SyncDisplay: Sendable {
    enum Mode { case live, lines, silent }

    let mode: Mode
    let progress = SyncProgress()

    init(mode: Mode) {
        self.mode = mode
    }

    /// Starts redrawing the progress line (live mode only).
    func start() -> Task<Void, Never>? {
        guard mode == .live else { return nil }
        return Task {
            while !Task.isCancelled {
                draw()
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Runs `body` with the progress line drawn (live mode), and clears the line after, whatever happens.
    func showingProgress<Result>(_ body: () async throws -> Result) async throws -> Result {
        let ticker = start()
        defer {
            ticker?.cancel()
            clearLine()
        }
        return try await body()
    }

    /// Tells of `event` (a line per table) unless silent.
    func event(_ event: SyncEvent) {
        guard mode != .silent else { return }
        let line: String
        switch event {
        case .downloaded(let id, let bytes, let resumed):
            line = "  downloaded \(id) (\(SyncDisplay.bytes(bytes))\(resumed ? ", resumed" : ""), SHA-256 verified)"
        case .failed(let id, let error):
            line = "  failed     \(id): \(error)"
        case .removed(let id):
            line = "  removed    \(id) (no longer offered to you)"
        }
        if mode == .live { clearLine() }
        Terminal.printError(line)
    }

    /// Clears the progress line (live mode).
    func clearLine() {
        if mode == .live { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    private func draw() {
        let now = progress.snapshot
        guard now.tablesTotal > 0 else { return }
        var line =
            "Downloading \(now.tablesDone)/\(now.tablesTotal) tables · \(SyncDisplay.bytes(now.bytesDone))/\(SyncDisplay.bytes(now.bytesTotal))"
        line += " · \(SyncDisplay.bytes(Int64(now.rate)))/s"
        if let left = now.secondsLeft { line += " · ETA \(SyncDisplay.duration(left))" }
        if let (id, part) = now.active.max(by: { $0.value.total - $0.value.done < $1.value.total - $1.value.done }) {
            line += " · \(id) \(part.total > 0 ? Int(100 * part.done / part.total) : 100)%"
        }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
    }

    /// The human summary after the sync (stdout).
    static func summary(_ report: SyncReport, quiet: Bool) {
        for (table, error) in report.errors { Terminal.printError("Error: \(table): \(error)") }
        for (file, error) in report.uploadErrors { Terminal.printError("Upload error: \(file): \(error)") }
        guard !quiet else { return }
        let verb = report.dryRun ? "Would download" : "Downloaded"
        print("\(verb): \(report.downloaded.count) tables (\(bytes(report.bytesDownloaded)))")
        if report.dryRun && !report.downloaded.isEmpty { print("  " + report.downloaded.joined(separator: ", ")) }
        print("Skipped (unchanged): \(report.skipped.count)")
        if !report.removed.isEmpty {
            print("\(report.dryRun ? "Would remove" : "Removed"): \(report.removed.count) (\(report.removed.joined(separator: ", ")))")
        }
        if !report.remote.isEmpty {
            print("Remote (no local copy; use da query --remote): \(report.remote.joined(separator: ", "))")
        }
        for clash in report.clashes {
            print(
                "Not linked: \(clash) — your own table or view of that name in analytics.duckdb is kept; rename it to get the synced view")
        }
        if report.docsUpdated { print("Docs updated (server/docs)") }
        if report.profilesUpdated { print("Profiles updated (server/metadata/profiles.json)") }
        if report.uploadsAttempted && (!report.sessionsUploaded.isEmpty || report.localNotesUploaded) {
            let verb = report.dryRun ? "Would upload" : "Uploaded"
            print("\(verb): \(report.sessionsUploaded.count) sessions\(report.localNotesUploaded ? " and CLAUDE.local.md" : "")")
        }
        if !report.errors.isEmpty { print("Errors: \(report.errors.count)") }
    }

    static func bytes(_ count: Int64) -> String {
        let value = Double(count)
        let kilo = 1024.0
        if value >= kilo * kilo * kilo { return String(format: "%.2f GB", value / (kilo * kilo * kilo)) }
        if value >= kilo * kilo { return String(format: "%.1f MB", value / (kilo * kilo)) }
        if value >= kilo { return String(format: "%.1f KB", value / kilo) }
        return "\(count) B"
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.0f s", seconds.rounded(.up)) : "\(Int(seconds) / 60) min \(Int(seconds) % 60) s"
    }
}
