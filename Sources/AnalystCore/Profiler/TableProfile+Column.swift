extension TableProfile {
    /// The statistics of one column. Exactly one of the per-type statistics is set, after `typeCategory`.
    public struct Column: Codable, Sendable, Equatable {
        public var name: String
        /// The DuckDB type, e.g. `DECIMAL(18,3)`.
        public var type: String
        public var typeCategory: TypeCategory
        /// Percent of profiled rows that have a value.
        public var completenessPct: Double
        public var nullCount: Int
        /// Distinct non-NULL values.
        public var uniqueCount: Int
        /// `uniqueCount` as a percent of the non-NULL values.
        public var uniquePct: Double
        /// The most frequent distinct values as text (ties in value order), at most `sampleValuesLimit`.
        public var sampleValues: [String]
        public var isPrimaryKey: Bool
        public var alerts: [AlertType]
        public var numericStats: NumericStats?
        public var stringStats: StringStats?
        public var dateStats: DateStats?
        public var booleanStats: BooleanStats?

        public init(
            name: String, type: String, typeCategory: TypeCategory, completenessPct: Double, nullCount: Int,
            uniqueCount: Int, uniquePct: Double, sampleValues: [String], isPrimaryKey: Bool, alerts: [AlertType],
            numericStats: NumericStats? = nil, stringStats: StringStats? = nil, dateStats: DateStats? = nil,
            booleanStats: BooleanStats? = nil
        ) {
            self.name = name
            self.type = type
            self.typeCategory = typeCategory
            self.completenessPct = completenessPct
            self.nullCount = nullCount
            self.uniqueCount = uniqueCount
            self.uniquePct = uniquePct
            self.sampleValues = sampleValues
            self.isPrimaryKey = isPrimaryKey
            self.alerts = alerts
            self.numericStats = numericStats
            self.stringStats = stringStats
            self.dateStats = dateStats
            self.booleanStats = booleanStats
        }

        enum CodingKeys: String, CodingKey {
            case name, type, typeCategory = "type_category", completenessPct = "completeness_pct"
            case nullCount = "null_count", uniqueCount = "unique_count", uniquePct = "unique_pct"
            case sampleValues = "sample_values", isPrimaryKey = "is_primary_key", alerts
            case numericStats = "numeric_stats", stringStats = "string_stats", dateStats = "date_stats"
            case booleanStats = "boolean_stats"
        }
    }

    /// Bins and their counts. Numeric bins are labelled `"lo-hi"`, date bins `"YYYY-Qn"`.
    public struct Histogram: Codable, Sendable, Equatable {
        public var bins: [String]
        public var counts: [Int]

        public init(bins: [String] = [], counts: [Int] = []) {
            self.bins = bins
            self.counts = counts
        }
    }

    /// Statistics of a numeric column, over its non-NULL values; numbers have 2 decimals.
    public struct NumericStats: Codable, Sendable, Equatable {
        /// Null in JSON when there is no value or it is NaN or infinite (so are the others below).
        public var min: Double?
        public var max: Double?
        public var mean: Double?
        public var median: Double?
        /// Sample standard deviation; null in JSON for fewer than two values.
        public var stddev: Double?
        public var p5: Double?
        public var p25: Double?
        public var p75: Double?
        public var p95: Double?
        public var zeros: Int
        /// `zeros` as a percent of the non-NULL values.
        public var zerosPct: Double
        public var negative: Int
        public var negativePct: Double
        /// `histogramBins` equal-width bins from min to max; empty when min equals max.
        public var histogram: Histogram

        public init(
            min: Double?, max: Double?, mean: Double?, median: Double?, stddev: Double?, p5: Double?, p25: Double?,
            p75: Double?, p95: Double?, zeros: Int, zerosPct: Double, negative: Int, negativePct: Double,
            histogram: Histogram
        ) {
            self.min = min
            self.max = max
            self.mean = mean
            self.median = median
            self.stddev = stddev
            self.p5 = p5
            self.p25 = p25
            self.p75 = p75
            self.p95 = p95
            self.zeros = zeros
            self.zerosPct = zerosPct
            self.negative = negative
            self.negativePct = negativePct
            self.histogram = histogram
        }

        enum CodingKeys: String, CodingKey {
            case min, max, mean, median, stddev, p5, p25, p75, p95, zeros, zerosPct = "zeros_pct", negative
            case negativePct = "negative_pct", histogram
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(min, forKey: .min)
            try container.encode(max, forKey: .max)
            try container.encode(mean, forKey: .mean)
            try container.encode(median, forKey: .median)
            try container.encode(stddev, forKey: .stddev)
            try container.encode(p5, forKey: .p5)
            try container.encode(p25, forKey: .p25)
            try container.encode(p75, forKey: .p75)
            try container.encode(p95, forKey: .p95)
            try container.encode(zeros, forKey: .zeros)
            try container.encode(zerosPct, forKey: .zerosPct)
            try container.encode(negative, forKey: .negative)
            try container.encode(negativePct, forKey: .negativePct)
            try container.encode(histogram, forKey: .histogram)
        }
    }

    /// Statistics of a text (or other non-numeric, non-temporal) column, over the values' text form.
    public struct StringStats: Codable, Sendable, Equatable {
        /// Characters in the shortest value; 0 when there is no value.
        public var minLength: Int
        public var maxLength: Int
        public var avgLength: Double
        /// The most frequent values (at most `topValuesLimit`), only for categorical columns
        /// (at most `maxCategoricalDistinct` distinct values).
        public var topValues: [TopValue]

        public init(minLength: Int, maxLength: Int, avgLength: Double, topValues: [TopValue]) {
            self.minLength = minLength
            self.maxLength = maxLength
            self.avgLength = avgLength
            self.topValues = topValues
        }

        enum CodingKeys: String, CodingKey {
            case minLength = "min_length", maxLength = "max_length", avgLength = "avg_length"
            case topValues = "top_values"
        }
    }

    /// One frequent value of a categorical column.
    public struct TopValue: Codable, Sendable, Equatable {
        public var value: String
        public var count: Int
        /// `count` as a percent of the column's non-NULL values.
        public var pct: Double

        public init(value: String, count: Int, pct: Double) {
            self.value = value
            self.count = count
            self.pct = pct
        }
    }

    /// Statistics of a DATE or TIMESTAMP column (timestamps cut to their date).
    public struct DateStats: Codable, Sendable, Equatable {
        /// `YYYY-MM-DD`; null in JSON when the column has no value.
        public var earliest: String?
        public var latest: String?
        /// Null in JSON when either end is missing.
        public var spanDays: Int?
        /// Values per calendar quarter that has any, bins labelled `YYYY-Qn`, oldest first.
        public var histogram: Histogram

        public init(earliest: String?, latest: String?, spanDays: Int?, histogram: Histogram) {
            self.earliest = earliest
            self.latest = latest
            self.spanDays = spanDays
            self.histogram = histogram
        }

        enum CodingKeys: String, CodingKey {
            case earliest, latest, spanDays = "span_days", histogram
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(earliest, forKey: .earliest)
            try container.encode(latest, forKey: .latest)
            try container.encode(spanDays, forKey: .spanDays)
            try container.encode(histogram, forKey: .histogram)
        }
    }

    /// Statistics of a BOOLEAN column.
    public struct BooleanStats: Codable, Sendable, Equatable {
        public var trueCount: Int
        public var falseCount: Int
        /// `trueCount` as a percent of the non-NULL values; 0 when there is none.
        public var truePct: Double

        public init(trueCount: Int, falseCount: Int, truePct: Double) {
            self.trueCount = trueCount
            self.falseCount = falseCount
            self.truePct = truePct
        }

        enum CodingKeys: String, CodingKey {
            case trueCount = "true_count", falseCount = "false_count", truePct = "true_pct"
        }
    }
}
