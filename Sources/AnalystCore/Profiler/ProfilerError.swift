/// Why a table could not be profiled.
public enum ProfilerError: Error, CustomStringConvertible, Equatable {
    /// A query failed; `step` says which part of profiling ran it, `message` is DuckDB's.
    case queryFailed(tableID: String, step: String, message: String)

    public var description: String {
        switch self {
        case .queryFailed(let tableID, let step, let message):
            return "cannot profile table \(tableID): \(step) failed: \(message). "
                + "Check that the table's data can be read (e.g. SELECT * FROM it)."
        }
    }
}
