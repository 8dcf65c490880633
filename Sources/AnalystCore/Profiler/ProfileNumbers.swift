import Foundation

/// How profile numbers are rounded and written, shared by the statistics and the alert messages.
enum ProfileNumbers {
    /// `value` rounded to 2 decimals (halves to even on the exact binary value, like Python's `round`);
    /// nil for nil, NaN and infinities, which JSON cannot carry.
    static func round2(_ value: Double?) -> Double? {
        guard let value, value.isFinite else { return nil }
        // printf rounds the exact binary value correctly; parsing its text gives the nearest Double.
        return Double(String(format: "%.2f", value)).map { $0 == 0 ? 0 : $0 }
    }

    /// `part` as a percent of `whole`, 2 decimals; 0 when `whole` is 0.
    static func percent(_ part: Int, of whole: Int) -> Double {
        guard whole > 0 else { return 0 }
        return round2(100 * Double(part) / Double(whole)) ?? 0
    }

    /// A histogram bound: `1.5K`, `2.0M`, `3.1B` from a thousand up, otherwise an integer when whole and
    /// 2 decimals when not.
    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1_000_000_000 { return String(format: "%.1fB", value / 1_000_000_000) }
        if magnitude >= 1_000_000 { return String(format: "%.1fM", value / 1_000_000) }
        if magnitude >= 1_000 { return String(format: "%.1fK", value / 1_000) }
        if value != value.rounded(.towardZero) { return String(format: "%.2f", value) }
        return String(Int(value))
    }

    /// A percentage as the alert messages write it: the shortest text that reads back the same, always with
    /// a decimal point (`40.0`, `33.33`).
    static func text(_ value: Double) -> String {
        "\(value)"
    }
}
