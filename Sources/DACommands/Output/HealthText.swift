import AnalystAPI

extension Schemas.ServiceCheck {
    /// Every field but `status`, by name, as `da status` shows them (a field the check does not fill is `<null>`).
    var fields: [(name: String, value: String)] {
        func shown(_ value: (any CustomStringConvertible)?) -> String { value?.description ?? "<null>" }
        return [
            ("count", shown(count)), ("detail", shown(detail)),
            ("stale_tables", shown(staleTables.map { "[" + $0.joined(separator: ", ") + "]" })), ("tables", shown(tables)),
            ("total_rows", shown(totalRows)),
        ]
    }
}
