import DuckDB
import Foundation

/// One profiling run: the steps in order, each query's results kept for the assembly at the end.
struct ProfileRun {
    let input: ProfileInput
    let options: ProfilerOptions
    let connection: Connection
    /// The quoted name of the temporary copy of the rows.
    let scratch: String

    struct ColumnInfo {
        let name: String
        let type: String
        let category: TableProfile.TypeCategory
        var sql: String { Identifier.quoted(name) }
    }

    /// What the aggregate query found for one column.
    struct Aggregates {
        var nonNull = 0
        var distinct = 0
        var numeric: (min: Double?, max: Double?, mean: Double?, stddev: Double?, quantiles: [Double?], zeros: Int, negative: Int)?
        var lengths: (min: Int, max: Int, avg: Double)?
        var dates: (earliest: String?, latest: String?, spanDays: Int?)?
        var booleans: (trueCount: Int, falseCount: Int)?
    }

    /// Quantiles read in one aggregate; `median` is the middle one.
    static let quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]

    func profile() throws -> TableProfile {
        let rowCount = try step("counting rows") {
            try connection.query("SELECT count(*) FROM \(input.relation)").scalar()?.int64Value.map(Int.init) ?? 0
        }
        let sampled = rowCount > options.sampleSize
        try step(sampled ? "sampling" : "copying the rows") {
            try connection.execute("CREATE TEMPORARY TABLE \(scratch) AS " + rowsToProfile(rowCount: rowCount, sampled: sampled))
        }
        let columns = try step("reading column types") {
            try connection.query("DESCRIBE \(scratch)").rows().compactMap { row -> ColumnInfo? in
                guard row.count >= 2, let name = row[0].stringValue, let type = row[1].stringValue else { return nil }
                return ColumnInfo(name: name, type: type, category: TableProfile.TypeCategory(duckDBType: type))
            }
        }
        let keyColumns = input.primaryKey.filter { key in columns.contains { $0.name == key } }
        let checksKey = !input.primaryKey.isEmpty && keyColumns.count == input.primaryKey.count

        let (workingRows, distinctKeys, aggregates) = try step("computing column statistics") {
            try readAggregates(columns, keyColumns: checksKey ? keyColumns : [])
        }
        let frequent = try step("finding frequent values") { try readFrequentValues(columns, aggregates) }
        let histograms = try step("building histograms") { try readHistograms(columns, aggregates) }
        let sampleRows = try step("reading sample rows") { try readSampleRows(columns) }

        var columnProfiles: [TableProfile.Column] = []
        for (index, column) in columns.enumerated() {
            columnProfiles.append(
                assembleColumn(
                    column, aggregates[index], rows: workingRows, frequent: frequent[index] ?? [],
                    histogram: histograms[index]))
        }
        let nullCells = columnProfiles.reduce(0) { $0 + $1.nullCount }
        let firstDates = columnProfiles.lazy.compactMap(\.dateStats).first { $0.earliest != nil }
        return TableProfile(
            tableID: input.tableID,
            description: input.description,
            primaryKey: input.primaryKey.isEmpty ? nil : input.primaryKey.joined(separator: ", "),
            syncStrategy: input.syncStrategy,
            rowCount: rowCount,
            columnCount: columns.count,
            fileSizeMB: input.fileSizeBytes.flatMap { ProfileNumbers.round2(Double($0) / 1_048_576) },
            avgCompleteness: columnProfiles.isEmpty
                ? 0 : ProfileNumbers.round2(columnProfiles.reduce(0) { $0 + $1.completenessPct } / Double(columnProfiles.count)) ?? 0,
            missingCells: nullCells,
            missingCellsPct: ProfileNumbers.percent(nullCells, of: workingRows * columns.count),
            duplicateRows: distinctKeys.map { workingRows - $0 } ?? 0,
            variableTypes: columnProfiles.reduce(into: [:]) { $0[$1.typeCategory, default: 0] += 1 },
            dateRange: firstDates.map { .init(earliest: $0.earliest, latest: $0.latest, spanDays: $0.spanDays) },
            alerts: columnProfiles.flatMap(Self.tableAlerts),
            sampled: sampled,
            lastSync: input.lastSync.map { $0.formatted(Date.ISO8601FormatStyle()) },
            relatedTables: input.relatedTables,
            usedByMetrics: input.usedByMetrics,
            columns: columnProfiles,
            sampleRows: sampleRows)
    }

    /// Runs one step, naming it in the error when it fails.
    private func step<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DuckDBError {
            throw ProfilerError.queryFailed(tableID: input.tableID, step: name, message: error.message)
        }
    }
}
