import AnalystAPI
import Foundation

/// Times as the contract writes them, for text output.
public enum WireTime {
    /// `2026-11-22T00:47:38.196Z`: the text the server sent for `date`. The contract's times have milliseconds, and a
    /// decoded one can sit a hair below its millisecond, which formatting (it truncates) would show 1 ms early; so the
    /// time is taken to its nearest millisecond first.
    public static func text(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1_000).rounded()
        return WireJSONEncoder.timestamp(Date(timeIntervalSince1970: (milliseconds + 0.5) / 1_000))
    }
}
