import DuckDB
import Foundation

extension ProfileRun {
    /// A SELECT list built column by column; each expression's position finds its value in the result row.
    struct SelectList {
        private(set) var expressions: [String] = []

        mutating func add(_ expression: String) -> Int {
            expressions.append(expression)
            return expressions.count - 1
        }
    }

    /// The SELECT whose rows are profiled: all of them, or a reservoir sample of exactly `sampleSize` rows.
    ///
    /// DuckDB's reservoir is slow to fill with hundreds of thousands of rows (about 2 s for 500,000 of 1M on
    /// two cores), so a Bernoulli pass first keeps each row with a probability chosen to leave a few standard
    /// deviations more than `sampleSize` (0.2 s); the reservoir then picks exactly `sampleSize` of those. Both
    /// steps are uniform, so the result is still a simple random sample, and both are seeded.
    func rowsToProfile(rowCount: Int, sampled: Bool) -> String {
        guard sampled else { return "SELECT * FROM \(input.relation)" }
        let size = options.sampleSize
        let seed = Profiler.sampleSeed
        let margin = 6 * Double(size).squareRoot() + 100
        let percent = 100 * (Double(size) + margin) / Double(rowCount)
        let source =
            percent < 100
            ? "(SELECT * FROM \(input.relation) USING SAMPLE \(String(format: "%.6f", percent)) PERCENT (bernoulli, \(seed)))"
            : input.relation
        return "SELECT * FROM \(source) USING SAMPLE reservoir(\(size) ROWS) REPEATABLE (\(seed))"
    }

    /// One scan for everything that is a plain aggregate: counts, distinct counts, numeric moments and
    /// quantiles, text lengths, date ranges, boolean counts, and distinct primary keys.
    func readAggregates(_ columns: [ColumnInfo], keyColumns: [String]) throws -> (rows: Int, distinctKeys: Int?, [Aggregates]) {
        var select = SelectList()
        let rowsSlot = select.add("count(*)")
        let keySlot =
            keyColumns.isEmpty ? nil : select.add("count(DISTINCT row(\(keyColumns.map(Identifier.quoted).joined(separator: ", "))))")
        let quantileList = "[" + Self.quantiles.map { "\($0)" }.joined(separator: ", ") + "]"
        var slots: [[Int]] = []
        for column in columns {
            let c = column.sql
            var own = [select.add("count(\(c))"), select.add("count(DISTINCT \(c))")]
            switch column.category {
            case .numeric:
                let d = "CAST(\(c) AS DOUBLE)"
                // DuckDB's stddev raises an error when its result overflows (an infinite value, or ±1e200), which
                // would sink the whole profile: it only sees tame values, and `stddevUsable` says whether that
                // was all of them.
                let tame = "isfinite(\(d)) AND abs(\(d)) < 1e150"
                own += [
                    select.add("min(\(d))"), select.add("max(\(d))"), select.add("avg(\(d))"),
                    select.add("stddev_samp(\(d)) FILTER (WHERE \(tame))"), select.add("quantile_cont(\(d), \(quantileList))"),
                    select.add("count_if(\(c) = 0)"), select.add("count_if(\(c) < 0)"), select.add("count_if(NOT (\(tame)))"),
                ]
            case .string:
                let length = "length(CAST(\(c) AS VARCHAR))"
                own += [select.add("min(\(length))"), select.add("max(\(length))"), select.add("avg(\(length))")]
            case .date, .timestamp:
                let day = column.category == .date ? c : "CAST(\(c) AS DATE)"
                own += [select.add("min(\(day))"), select.add("max(\(day))")]
            case .boolean:
                own += [select.add("count_if(\(c))"), select.add("count_if(NOT \(c))")]
            }
            slots.append(own)
        }
        let sql = "SELECT " + select.expressions.joined(separator: ", ") + " FROM \(scratch)"
        guard let row = try connection.query(sql).rows(limit: 1).first else { return (0, nil, columns.map { _ in Aggregates() }) }
        let int = { (slot: Int) in row[slot].int64Value.map(Int.init) ?? 0 }
        let double = { (slot: Int) in row[slot].doubleValue }

        var results: [Aggregates] = []
        for (column, own) in zip(columns, slots) {
            var aggregates = Aggregates(nonNull: int(own[0]), distinct: int(own[1]))
            switch column.category {
            case .numeric:
                var quantiles: [Double?] = Self.quantiles.map { _ in nil }
                if case .list(let values) = row[own[6]], values.count == quantiles.count {
                    quantiles = values.map(\.doubleValue)
                }
                let stddevUsable = int(own[9]) == 0
                aggregates.numeric = (
                    double(own[2]), double(own[3]), double(own[4]), stddevUsable ? double(own[5]) : nil, quantiles, int(own[7]),
                    int(own[8])
                )
            case .string:
                aggregates.lengths = (int(own[2]), int(own[3]), double(own[4]) ?? 0)
            case .date, .timestamp:
                aggregates.dates = Self.dateRange(row[own[2]], row[own[3]])
            case .boolean:
                aggregates.booleans = (int(own[2]), int(own[3]))
            }
            results.append(aggregates)
        }
        return (int(rowsSlot), keySlot.map(int), results)
    }

    /// The most frequent values of every column (ties in value order) as text with their counts: enough for
    /// `sample_values`, and for `top_values` of categorical text columns. One UNION ALL of per-column top-N.
    func readFrequentValues(_ columns: [ColumnInfo], _ aggregates: [Aggregates]) throws -> [Int: [(value: String, count: Int)]] {
        var branches: [String] = []
        for (index, column) in columns.enumerated() where aggregates[index].nonNull > 0 {
            let limit = max(options.sampleValuesLimit, isCategoricalText(column, aggregates[index]) ? options.topValuesLimit : 0)
            guard limit > 0 else { continue }
            // Text-like columns group by their text (LIST, STRUCT, BLOB … then compare as shown); the others by
            // value, so ties sort numerically and chronologically.
            let key = column.category == .string ? "CAST(\(column.sql) AS VARCHAR)" : column.sql
            branches.append(
                """
                SELECT \(index) AS col, row_number() OVER (ORDER BY n DESC, v) AS rank, CAST(v AS VARCHAR) AS value, n
                FROM (SELECT \(key) AS v, count(*) AS n FROM \(scratch) WHERE \(column.sql) IS NOT NULL
                      GROUP BY v ORDER BY n DESC, v LIMIT \(limit))
                """)
        }
        guard !branches.isEmpty else { return [:] }
        let sql = "SELECT col, value, n FROM (" + branches.joined(separator: "\nUNION ALL\n") + ") ORDER BY col, rank"
        var result: [Int: [(value: String, count: Int)]] = [:]
        for row in try connection.query(sql).rows() {
            guard let index = row[0].int64Value.map(Int.init), let value = row[1].stringValue, let count = row[2].int64Value else {
                continue
            }
            result[index, default: []].append((value, Int(count)))
        }
        return result
    }

    /// Numeric histograms (equal-width bins from min to max, the last bin closed) and date histograms (per
    /// quarter), one `histogram()` aggregate per column in a single scan.
    func readHistograms(_ columns: [ColumnInfo], _ aggregates: [Aggregates]) throws -> [Int: TableProfile.Histogram] {
        var select = SelectList()
        var planned: [(column: Int, slot: Int)] = []
        let bins = options.histogramBins
        for (index, column) in columns.enumerated() {
            switch column.category {
            case .numeric:
                guard let (low, high) = histogramRange(aggregates[index]) else { continue }
                let d = "CAST(\(column.sql) AS DOUBLE)"
                // Multiplying before dividing keeps values on a bin boundary exact (3 of 0…9 in 15 bins is 45 / 9 = 5).
                let position = "floor((\(d) - \(Self.literal(low))) * \(bins) / (\(Self.literal(high)) - \(Self.literal(low))))"
                let bucket = "CAST(least(greatest(\(position), 0), \(bins - 1)) AS INTEGER)"
                planned.append((index, select.add("histogram(\(bucket)) FILTER (WHERE isfinite(\(d)))")))
            case .date, .timestamp:
                guard aggregates[index].nonNull > 0 else { continue }
                let day = column.category == .date ? column.sql : "CAST(\(column.sql) AS DATE)"
                // Quarters counted from year 0, so keys sort in time order and split back with floor division.
                planned.append((index, select.add("histogram(year(\(day)) * 4 + quarter(\(day)) - 1)")))
            case .string, .boolean:
                continue
            }
        }
        guard !planned.isEmpty else { return [:] }
        let sql = "SELECT " + select.expressions.joined(separator: ", ") + " FROM \(scratch)"
        guard let row = try connection.query(sql).rows(limit: 1).first else { return [:] }

        var result: [Int: TableProfile.Histogram] = [:]
        for (index, slot) in planned {
            var counts: [Int: Int] = [:]
            if case .map(let entries) = row[slot] {
                for entry in entries {
                    if let key = entry.key.int64Value, let count = entry.value.int64Value { counts[Int(key)] = Int(count) }
                }
            }
            if columns[index].category == .numeric, let (low, high) = histogramRange(aggregates[index]) {
                result[index] = Self.numericHistogram(counts, low: low, high: high, bins: bins)
            } else {
                let keys = counts.keys.sorted()
                result[index] = TableProfile.Histogram(
                    bins: keys.map { key in
                        let (year, quarter) = Self.floorDivision(key, 4)
                        return "\(year)-Q\(quarter + 1)"
                    },
                    counts: keys.map { counts[$0] ?? 0 })
            }
        }
        return result
    }

    /// The first rows of the profiled copy, every value cast to text by DuckDB.
    func readSampleRows(_ columns: [ColumnInfo]) throws -> [TableProfile.SampleRow] {
        guard options.sampleRowsLimit > 0, !columns.isEmpty else { return [] }
        let list = columns.map { "CAST(\($0.sql) AS VARCHAR)" }.joined(separator: ", ")
        let rows = try connection.query("SELECT \(list) FROM \(scratch) LIMIT \(options.sampleRowsLimit)").rows()
        return rows.map { row in
            TableProfile.SampleRow(
                cells: zip(columns, row).map { column, value in .init(column: column.name, value: value.stringValue) })
        }
    }

    /// The raw min and max a numeric histogram spans: both finite and different once rounded for display.
    func histogramRange(_ aggregates: Aggregates) -> (Double, Double)? {
        guard let numeric = aggregates.numeric, let low = numeric.min, let high = numeric.max, low.isFinite, high.isFinite,
            let shownLow = ProfileNumbers.round2(low), let shownHigh = ProfileNumbers.round2(high), shownLow != shownHigh
        else { return nil }
        return (low, high)
    }

    /// Labels from the displayed (rounded) min and max, as the reference does, so they match `min`/`max`.
    static func numericHistogram(_ counts: [Int: Int], low: Double, high: Double, bins: Int) -> TableProfile.Histogram {
        let shownLow = ProfileNumbers.round2(low) ?? low
        let shownHigh = ProfileNumbers.round2(high) ?? high
        let width = (shownHigh - shownLow) / Double(bins)
        var histogram = TableProfile.Histogram()
        for bin in 0..<bins {
            let from = shownLow + Double(bin) * width
            let to = shownLow + Double(bin + 1) * width
            histogram.bins.append(ProfileNumbers.label(from) + "-" + ProfileNumbers.label(to))
            histogram.counts.append(counts[bin] ?? 0)
        }
        return histogram
    }

    func isCategoricalText(_ column: ColumnInfo, _ aggregates: Aggregates) -> Bool {
        column.category == .string && aggregates.distinct <= options.maxCategoricalDistinct
    }

    /// The first and last day as `YYYY-MM-DD` and the days between them; DuckDB's infinite dates spell
    /// `infinity` and have no span.
    static func dateRange(_ first: Value, _ last: Value) -> (earliest: String?, latest: String?, spanDays: Int?) {
        guard case .date(let earliest) = first, case .date(let latest) = last else { return (nil, nil, nil) }
        let finite = abs(Int(earliest.days)) != Int(Int32.max) && abs(Int(latest.days)) != Int(Int32.max)
        return (earliest.description, latest.description, finite ? Int(latest.days) - Int(earliest.days) : nil)
    }

    /// A Double as a SQL literal that reads back exactly.
    static func literal(_ value: Double) -> String {
        "CAST('\(value)' AS DOUBLE)"
    }

    static func floorDivision(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = ((value % divisor) + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }
}
