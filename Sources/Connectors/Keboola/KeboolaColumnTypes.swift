import Foundation

/// The DuckDB type of each column of a Keboola table (reference §5.1): a typed table's own definition first, then
/// the `KBC.datatype.basetype` metadata by provider — `user` over `ai-metadata-enrichment` over
/// `keboola.snowflake-transformation` over any other — and VARCHAR when nothing says (or says something unknown).
enum KeboolaColumnTypes {
    /// Providers in the order they are trusted.
    static let providers = ["user", "ai-metadata-enrichment", "keboola.snowflake-transformation"]

    /// The DuckDB type for every column of `table`, in `columns` order.
    static func resolve(_ table: KeboolaTable, columns: [String]) -> [(name: String, type: String)] {
        let definitions = Dictionary(
            (table.definition?.columns ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return columns.map { column in
            if let definition = definitions[column], let base = definition.basetype {
                return (column, duckDBType(base: base, length: definition.definition?.length))
            }
            let entries = table.columnMetadata?[column] ?? []
            guard let base = value(of: "KBC.datatype.basetype", in: entries) else { return (column, "VARCHAR") }
            return (column, duckDBType(base: base, length: value(of: "KBC.datatype.length", in: entries)))
        }
    }

    /// The value of `key` from the most trusted provider that set it.
    static func value(of key: String, in entries: [KeboolaMetadata]) -> String? {
        let matching = entries.filter { $0.key == key && !($0.value ?? "").isEmpty }
        func rank(_ entry: KeboolaMetadata) -> Int { providers.firstIndex(of: entry.provider ?? "") ?? providers.count }
        return matching.min { rank($0) < rank($1) }?.value
    }

    /// A Keboola base type as a DuckDB type. NUMERIC keeps its precision and scale (`length` "p,s") when DuckDB can
    /// hold it exactly, else DECIMAL(38,9).
    static func duckDBType(base: String, length: String?) -> String {
        switch base.uppercased() {
        case "INTEGER": return "BIGINT"
        case "NUMERIC":
            let parts = (length ?? "").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if let precision = parts.first ?? nil, (1...38).contains(precision) {
                let scale = parts.count > 1 ? (parts[1] ?? 0) : 0
                if (0...precision).contains(scale) { return "DECIMAL(\(precision),\(scale))" }
            }
            return "DECIMAL(38,9)"
        case "FLOAT": return "DOUBLE"
        case "BOOLEAN": return "BOOLEAN"
        case "DATE": return "DATE"
        case "TIMESTAMP": return "TIMESTAMP"
        default: return "VARCHAR"
        }
    }
}
