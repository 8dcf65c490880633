/// Sample size, output sizes and alert thresholds of the profiler (`profiler:` in instance.yaml).
///
/// The defaults are the reference's. Percentages are 0–100.
public struct ProfilerOptions: Sendable, Equatable {
    /// Tables with more rows are profiled from a sample of this many rows (`row_count` stays the full count).
    public var sampleSize = 500_000
    /// A text column with at most this many distinct values is categorical and gets `top_values`.
    public var maxCategoricalDistinct = 50
    /// How many `top_values` a categorical column lists.
    public var topValuesLimit = 10
    /// Equal-width bins of a numeric histogram.
    public var histogramBins = 15
    /// Rows in `sample_rows`.
    public var sampleRowsLimit = 5
    /// Values in each column's `sample_values`.
    public var sampleValuesLimit = 5
    /// Above this percent of NULLs a column gets `high_missing`.
    public var alertHighMissingPct = 30.0
    /// Above this percent of NULLs (and not above `alertHighMissingPct`) a column gets `missing`.
    public var alertMissingPct = 5.0
    /// Above this percent for the most frequent value a categorical column gets `imbalance`.
    public var alertImbalancePct = 60.0
    /// Above this many distinct values a non-categorical text column gets `high_cardinality`.
    public var alertHighCardinality = 50
    /// Above this percent of zeros a numeric column gets `zeros`. Not configurable, as in the reference.
    public var alertZerosPct = 50.0

    /// The defaults.
    public init() {}

    /// The defaults, overridden by the `profiler.*` keys that `instance` sets.
    ///
    /// Throws `ConfigError.invalidValue` for a value the profiler cannot work with, such as
    /// `histogram_bins: 0` or a percentage above 100.
    public init(instance: InstanceConfig) throws {
        func count(_ key: String, _ current: Int, minimum: Int) throws -> Int {
            guard let value = instance.int("profiler." + key) else { return current }
            guard value >= minimum else {
                throw ConfigError.invalidValue(key: "profiler." + key, message: "must be at least \(minimum), found \(value)")
            }
            return value
        }
        func percent(_ key: String, _ current: Double) throws -> Double {
            guard let value = instance.double("profiler." + key) else { return current }
            guard (0...100).contains(value) else {
                throw ConfigError.invalidValue(key: "profiler." + key, message: "must be a percentage from 0 to 100, found \(value)")
            }
            return value
        }
        sampleSize = try count("sample_size", sampleSize, minimum: 1)
        maxCategoricalDistinct = try count("max_categorical_distinct", maxCategoricalDistinct, minimum: 0)
        topValuesLimit = try count("top_values_limit", topValuesLimit, minimum: 0)
        histogramBins = try count("histogram_bins", histogramBins, minimum: 1)
        sampleRowsLimit = try count("sample_rows_limit", sampleRowsLimit, minimum: 0)
        sampleValuesLimit = try count("sample_values_limit", sampleValuesLimit, minimum: 0)
        alertHighMissingPct = try percent("alert_high_missing_pct", alertHighMissingPct)
        alertMissingPct = try percent("alert_missing_pct", alertMissingPct)
        alertImbalancePct = try percent("alert_imbalance_pct", alertImbalancePct)
        alertHighCardinality = try count("alert_high_cardinality", alertHighCardinality, minimum: 0)
    }
}
