import Foundation
import Yams

/// Which business metrics use which tables, from the metric definitions in `<docs>/metrics/<category>/<name>.yml`.
///
/// A definition file holds a YAML list with one mapping (a single mapping is accepted too). A metric uses a
/// table when its `table` is that table, its `tables` list contains it, or its `sql` (or any `sql_…` example)
/// mentions it as a whole word, case-insensitively: `FROM orders`, `shop.orders` and `"orders"` count,
/// `orders_archive` does not.
public struct MetricUsageIndex: Sendable {
    /// What the index keeps of one metric definition.
    public struct Definition: Sendable, Equatable {
        public var name: String
        /// Relative to the metrics directory, e.g. `revenue/total_revenue.yml`.
        public var file: String
        /// The `table` and `tables` entries.
        public var declaredTables: [String]
        /// The `sql` and `sql_…` queries.
        public var queries: [String]

        public init(name: String, file: String, declaredTables: [String] = [], queries: [String] = []) {
            self.name = name
            self.file = file
            self.declaredTables = declaredTables
            self.queries = queries
        }
    }

    public let definitions: [Definition]
    /// Files that were skipped because they could not be read or parsed, one sentence each, for the log.
    public let problems: [String]

    public init(definitions: [Definition], problems: [String] = []) {
        self.definitions = definitions
        self.problems = problems
    }

    /// Reads every `*.yml` / `*.yaml` one level below `<docsDirectory>/metrics`, in name order. A missing
    /// directory gives an empty index; unreadable files are listed in `problems` and skipped.
    public init(docsDirectory: String) {
        let metrics = URL(fileURLWithPath: docsDirectory).appendingPathComponent("metrics")
        let files = FileManager.default
        var definitions: [Definition] = []
        var problems: [String] = []
        let categories = ((try? files.contentsOfDirectory(atPath: metrics.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        for category in categories {
            let directory = metrics.appendingPathComponent(category)
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let names = ((try? files.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
                !$0.hasPrefix(".") && ($0.hasSuffix(".yml") || $0.hasSuffix(".yaml"))
            }
            for name in names.sorted() {
                let relative = category + "/" + name
                do {
                    let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                    definitions += try Self.parse(yaml: text, file: relative)
                } catch {
                    problems.append("metric definition \(relative) was skipped: \(error)")
                }
            }
        }
        self.init(definitions: definitions, problems: problems)
    }

    /// The metrics that use `table`, sorted by name, for `used_by_metrics`.
    public func metrics(using table: String) -> [TableProfile.MetricUse] {
        let wanted = table.lowercased()
        var uses = Set<TableProfile.MetricUse>()
        for definition in definitions
        where definition.declaredTables.contains(where: { $0.lowercased() == wanted })
            || definition.queries.contains(where: { Self.mentions($0, word: wanted) })
        {
            uses.insert(.init(name: definition.name, file: definition.file))
        }
        return uses.sorted { ($0.name, $0.file) < ($1.name, $1.file) }
    }

    /// The definitions in one file; entries without a `name` are ignored, as the reference does.
    static func parse(yaml: String, file: String) throws -> [Definition] {
        guard let document = try Yams.compose(yaml: yaml) else { return [] }
        let entries = document.sequence.map(Array.init) ?? [document]
        return entries.compactMap { entry -> Definition? in
            guard let mapping = entry.mapping, let name = mapping["name"]?.string, !name.isEmpty else { return nil }
            var tables: [String] = []
            if let table = mapping["table"]?.string, !table.isEmpty { tables.append(table) }
            if let list = mapping["tables"]?.sequence {
                tables += list.compactMap(\.string)
            } else if let single = mapping["tables"]?.string {
                tables.append(single)
            }
            let queries = mapping.compactMap { key, value -> String? in
                guard let key = key.string, key == "sql" || key.hasPrefix("sql_") else { return nil }
                return value.string
            }
            return Definition(name: name, file: file, declaredTables: tables, queries: queries)
        }
    }

    /// Whether `word` (lower case) occurs in `text` with no letter, digit or underscore right before or after.
    static func mentions(_ text: String, word: String) -> Bool {
        let haystack = Array(text.lowercased().utf8)
        let needle = Array(word.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        func isWordByte(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte >= 0x80
        }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            let end = start + needle.count
            if (start == 0 || !isWordByte(haystack[start - 1])) && (end == haystack.count || !isWordByte(haystack[end])) {
                return true
            }
        }
        return false
    }
}
