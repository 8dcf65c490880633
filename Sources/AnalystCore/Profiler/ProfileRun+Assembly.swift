extension ProfileRun {
    /// One column's statistics and alerts from what the queries found.
    func assembleColumn(
        _ column: ColumnInfo, _ aggregates: Aggregates, rows: Int, frequent: [(value: String, count: Int)],
        histogram: TableProfile.Histogram?
    ) -> TableProfile.Column {
        let nonNull = aggregates.nonNull
        let nulls = rows - nonNull
        let missingPct = ProfileNumbers.percent(nulls, of: rows)
        var alerts: [TableProfile.AlertType] = []
        if aggregates.distinct == 1 && nulls == 0 { alerts.append(.constant) }
        if nonNull > 0 && nulls == 0 && aggregates.distinct == nonNull { alerts.append(.unique) }
        if missingPct > options.alertHighMissingPct {
            alerts.append(.highMissing)
        } else if missingPct > options.alertMissingPct {
            alerts.append(.missing)
        }

        var profile = TableProfile.Column(
            name: column.name, type: column.type, typeCategory: column.category,
            completenessPct: ProfileNumbers.percent(nonNull, of: rows), nullCount: nulls, uniqueCount: aggregates.distinct,
            uniquePct: ProfileNumbers.percent(aggregates.distinct, of: nonNull),
            sampleValues: frequent.prefix(options.sampleValuesLimit).map(\.value),
            isPrimaryKey: input.primaryKey.contains(column.name), alerts: [])

        if let numeric = aggregates.numeric {
            let zerosPct = ProfileNumbers.percent(numeric.zeros, of: nonNull)
            if zerosPct > options.alertZerosPct { alerts.append(.zeros) }
            let quantile = { (index: Int) in ProfileNumbers.round2(numeric.quantiles[index]) }
            profile.numericStats = TableProfile.NumericStats(
                min: ProfileNumbers.round2(numeric.min), max: ProfileNumbers.round2(numeric.max),
                mean: ProfileNumbers.round2(numeric.mean), median: quantile(2), stddev: ProfileNumbers.round2(numeric.stddev),
                p5: quantile(0), p25: quantile(1), p75: quantile(3), p95: quantile(4),
                zeros: numeric.zeros, zerosPct: zerosPct, negative: numeric.negative,
                negativePct: ProfileNumbers.percent(numeric.negative, of: nonNull), histogram: histogram ?? .init())
        }
        if let lengths = aggregates.lengths {
            var topValues: [TableProfile.TopValue] = []
            if isCategoricalText(column, aggregates) {
                topValues = frequent.prefix(options.topValuesLimit).map {
                    .init(value: $0.value, count: $0.count, pct: ProfileNumbers.percent($0.count, of: nonNull))
                }
                if let top = topValues.first, top.pct > options.alertImbalancePct { alerts.append(.imbalance) }
            } else if aggregates.distinct > options.alertHighCardinality {
                alerts.append(.highCardinality)
            }
            profile.stringStats = TableProfile.StringStats(
                minLength: lengths.min, maxLength: lengths.max, avgLength: ProfileNumbers.round2(lengths.avg) ?? 0,
                topValues: topValues)
        }
        if let dates = aggregates.dates {
            profile.dateStats = TableProfile.DateStats(
                earliest: dates.earliest, latest: dates.latest, spanDays: dates.spanDays, histogram: histogram ?? .init())
        }
        if let booleans = aggregates.booleans {
            profile.booleanStats = TableProfile.BooleanStats(
                trueCount: booleans.trueCount, falseCount: booleans.falseCount,
                truePct: ProfileNumbers.percent(booleans.trueCount, of: booleans.trueCount + booleans.falseCount))
        }
        profile.alerts = alerts
        return profile
    }

    /// A column's alerts as the table lists them, with the reference's messages.
    static func tableAlerts(_ column: TableProfile.Column) -> [TableProfile.Alert] {
        column.alerts.map { type in
            let name = column.name
            let message: String
            switch type {
            case .constant:
                message = "\(name) is constant (single value)"
            case .unique:
                message = "\(name) has all unique values"
            case .highMissing, .missing:
                let missing = ProfileNumbers.round2(100 - column.completenessPct) ?? 0
                message = "\(name) has \(ProfileNumbers.text(missing))% missing values"
            case .imbalance:
                let top = column.stringStats?.topValues.first?.pct ?? 0
                message = "\(name) is highly imbalanced (top value \(ProfileNumbers.text(top))%)"
            case .zeros:
                message = "\(name) has \(ProfileNumbers.text(column.numericStats?.zerosPct ?? 0))% zero values"
            case .highCardinality:
                message = "\(name) has high cardinality (\(column.uniqueCount) distinct)"
            }
            return TableProfile.Alert(column: name, type: type, message: message)
        }
    }
}
