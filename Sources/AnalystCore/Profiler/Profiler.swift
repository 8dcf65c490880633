import DuckDB
import Foundation

/// Computes a `TableProfile` with a handful of set-based DuckDB queries.
///
/// The rows are copied once into a temporary table (a reservoir sample of `sampleSize` rows with a fixed seed
/// when the table is larger), then read by one aggregate query for every column's counts and statistics, one
/// for the most frequent values, one for the histograms and one for the sample rows.
public enum Profiler {
    /// The seed of the sample, so profiling the same data twice gives the same profile.
    static let sampleSeed = 42

    /// Profiles `input.relation` on `connection`.
    ///
    /// Runs synchronously on the caller's thread, which must own `connection` (a pool job). The temporary
    /// table lives in `connection`'s session and is dropped before returning, also on failure. Throws
    /// `ProfilerError.queryFailed` naming the step that failed.
    public static func profile(_ input: ProfileInput, options: ProfilerOptions, on connection: Connection) throws
        -> TableProfile
    {
        let scratch = Identifier.quoted("__profile_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        let run = ProfileRun(input: input, options: options, connection: connection, scratch: scratch)
        defer { try? connection.execute("DROP TABLE IF EXISTS temp.\(scratch)") }
        return try run.profile()
    }
}
