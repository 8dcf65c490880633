import AnalystCore
import DuckDB
import Foundation

/// A deterministic e-commerce dataset for demos and tests: nine tables (customers, products, campaigns,
/// web_sessions, web_leads, orders, order_items, payments, support_tickets) published as the extract source
/// `sample`, plus starter metric definitions over them.
///
/// The tables follow the reference generator (`scripts/generate_sample_data.py`): the same columns, id formats,
/// enumerations and weights, a window of `size.months` × 30 days ending on 2026-03-01, growth, seasonality and
/// weekday weighting. They are built with set-based DuckDB SQL from hash-based pseudo-random numbers, so one
/// seed always yields byte-identical parquet files, whatever the thread count.
public enum SampleData {
    /// The name of the extract source the tables are published as (`DATA_DIR/extracts/sample`).
    public static let sourceName = "sample"
    /// The day the window ends (exclusive): events happen before 2026-03-01.
    public static let endDate = SampleDataScript.endDay.description

    /// Generates the dataset into `DATA_DIR/extracts/sample` and the metric starters into `DATA_DIR/docs/metrics`.
    ///
    /// Each table is written to `data/<table>.parquet.tmp` and renamed into place; `extract.duckdb` is replaced
    /// last, atomically. A metric file that already exists with different content (an admin may have edited it)
    /// is left alone and listed in `skippedMetricFiles`. Blocking: DuckDB work runs on the calling thread (and
    /// DuckDB's own workers), so call it off the cooperative pool. Do not run two generations into one data
    /// directory at the same time. `progress` receives one line per step.
    public static func generate(
        into directory: DataDirectory, size: SampleDataSize, seed: Int, progress: (String) -> Void = { _ in }
    ) throws -> SampleDataReport {
        try generate(into: directory, size: size, seed: seed, threads: nil, progress: progress)
    }

    /// `generate` with a fixed DuckDB thread count (tests use it to show the output does not depend on it).
    static func generate(
        into directory: DataDirectory, size: SampleDataSize, seed: Int, threads: Int?, progress: (String) -> Void
    ) throws -> SampleDataReport {
        let clock = ContinuousClock()
        let started = clock.now
        let source = ExtractSource(name: sourceName, in: directory.extracts)
        do {
            try FileManager.default.createDirectory(at: source.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw SampleDataError("could not create \(source.dataDirectory.path): \(error.localizedDescription)")
        }
        let script = SampleDataScript(size: size, seed: seed)
        progress("generating size \(size.rawValue), seed \(seed), events from \(script.startDate) until \(script.endDate)")

        let connection: Connection
        do {
            connection = try Database(configuration: .init(threads: threads)).connect()
            for statement in script.setup { try connection.execute(statement) }
        } catch let error as DuckDBError {
            throw SampleDataError("could not prepare the sample data generator: \(error.message)")
        }
        for table in script.tables {
            do {
                for statement in table.stage { try connection.execute(statement) }
            } catch let error as DuckDBError {
                throw SampleDataError("could not generate table \(table.name): \(error.message)")
            }
        }

        var published: [ExtractTable] = []
        var rows: [String: Int64] = [:]
        var bytes: Int64 = 0
        for table in script.tables {
            let target = source.parquetFile(for: table.name)
            let written = try writeParquet(table, to: target, connection: connection)
            let size = try fileSize(target)
            rows[table.name] = written
            bytes += size
            published.append(ExtractTable(name: table.name, description: table.description, rows: written, sizeBytes: size))
            progress("\(table.name): \(written) rows, \(size) bytes")
        }
        try ExtractContract.write(source, tables: published)
        progress("wrote \(source.database.path)")

        let metrics = try MetricStarters.install(into: directory.docs.appendingPathComponent("metrics", isDirectory: true))
        for skipped in metrics.skipped {
            progress("kept docs/metrics/\(skipped): it exists with other content")
        }
        return SampleDataReport(
            tables: rows, bytes: bytes, elapsed: clock.now - started, metricFiles: metrics.written,
            skippedMetricFiles: metrics.skipped)
    }

    /// Writes one table to `<target>.tmp` with `COPY … (FORMAT parquet)` and renames it over `target`.
    /// Returns the number of rows written.
    private static func writeParquet(_ table: SampleDataScript.Table, to target: URL, connection: Connection) throws -> Int64 {
        let temporary = target.path + ".tmp"
        try? FileManager.default.removeItem(atPath: temporary)
        let count: Int64
        do {
            let result = try connection.query(
                "COPY (\(table.select)) TO \(Identifier.literal(temporary)) (FORMAT parquet, COMPRESSION zstd)")
            count = try result.scalar()?.int64Value ?? 0
        } catch let error as DuckDBError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SampleDataError("could not write \(temporary): \(error.message)")
        }
        guard rename(temporary, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw SampleDataError("could not move \(temporary) into place: \(reason)")
        }
        return count
    }

    private static func fileSize(_ url: URL) throws -> Int64 {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            return (attributes[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw SampleDataError("could not read the size of \(url.path): \(error.localizedDescription)")
        }
    }
}
