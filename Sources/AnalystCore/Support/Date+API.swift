import Foundation

extension Date {
    /// How the API writes times: ISO 8601 in UTC with milliseconds, e.g. `2026-11-22T00:47:38.196Z`.
    public var apiTimestamp: String {
        formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
