import AnalystCore
import ArgumentParser
import Connectors
import DuckDB
import Foundation
import Logging

/// `da-server sample-data`: the reference's e-commerce dataset as the `sample` source, registered and public.
struct SampleDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-data",
        abstract: "Generate the sample e-commerce dataset into DATA_DIR/extracts/sample and register its tables.",
        discussion: "Run it while the server is stopped (DuckDB allows one writer per file); the next start publishes it.")

    @Option(help: "Data directory (env DATA_DIR; default ./data).")
    var dataDir: String?

    @Option(help: "Size: xs, s, m or l.")
    var size: String = "s"

    @Option(help: "Random seed: the same seed gives the same files.")
    var seed: Int = 42

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        guard let size = SampleDataSize(rawValue: size) else {
            throw ValidationError("unknown size \"\(size)\"; use xs, s, m or l")
        }
        let environment = ProcessInfo.processInfo.environment
        let path = dataDir ?? environment["DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
        let directory = DataDirectory(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        try directory.prepare()
        let quiet = json
        let report = try await BlockingExecutor(name: "sample-data").run {
            try SampleData.generate(into: directory, size: size, seed: seed) { if !quiet { print($0) } }
        }
        let logger = Logger(label: "da-server", factory: { _ in SwiftLogNoOpLogHandler() })
        let system: SystemDatabase
        do {
            system = try SystemDatabase(path: directory.systemDatabase.path, logger: logger)
        } catch {
            throw ValidationError(
                "generated the data, but could not open \(directory.systemDatabase.path) to register the tables (is da-server running? "
                    + "stop it and run this again, or register them with POST /api/admin/register-table): \(error)")
        }
        let added = try await SampleData.register(in: TableRegistry(system: system))
        await system.close()
        if json {
            let object: [String: Any] = [
                "size": size.rawValue, "seed": seed, "tables": report.tables, "total_rows": report.totalRows, "bytes": report.bytes,
                "registered": added, "skipped_metric_files": report.skippedMetricFiles,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(
                "sample data (\(size.rawValue), seed \(seed)): \(report.totalRows) rows in \(report.tables.count) tables, "
                    + "\(report.bytes / 1024) KiB, in \(report.elapsed)")
            if !added.isEmpty { print("registered: \(added.joined(separator: ", "))") }
            for file in report.skippedMetricFiles { print("kept your edited metric file \(file)") }
        }
    }
}
