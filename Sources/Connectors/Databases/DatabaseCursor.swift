import Foundation

/// Where a table's incremental run stopped: the largest `cursor_column` value published, with the column and the
/// origin it belongs to, so a changed registration (another column, table or query) reads everything again instead of
/// skipping rows. Stored as JSON in the extract's `_cursors`.
struct DatabaseCursor: Codable, Sendable, Equatable {
    var column: String
    /// `DatabaseTable.fingerprint` of what was read.
    var origin: String
    /// The column's value cast to text by DuckDB (compared back as a literal of the column's type).
    var value: String

    var encoded: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? ""
    }

    /// The stored cursor, when there is one and it is of this form.
    init?(stored: String?) {
        guard let stored, let decoded = try? JSONDecoder().decode(DatabaseCursor.self, from: Data(stored.utf8)) else { return nil }
        self = decoded
    }

    init(column: String, origin: String, value: String) {
        self.column = column
        self.origin = origin
        self.value = value
    }
}
