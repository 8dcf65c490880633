import AnalystCore
import Foundation

/// The rows of one query, appended page by page to a newline-delimited JSON file: one object per row, keyed by the
/// schema's names, every scalar as BigQuery's text, repeated values as arrays and records as objects. DuckDB reads
/// it back with the declared types (`BigQueryColumnTypes`), so memory holds one page at a time.
///
/// Blocking file writes: call off the cooperative pool.
///
/// `@unchecked Sendable`: a run hands it to the blocking executor one page at a time and awaits each append, so the
/// file handle is never used by two threads at once.
final class BigQueryRowsFile: @unchecked Sendable {
    let path: String
    private let handle: FileHandle
    private(set) var rows: Int64 = 0

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw ExtractError("cannot create \(path)")
        }
        self.path = path
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Appends one page of rows of `schema`.
    func append(_ page: [BigQueryRow], schema: [BigQueryField]) throws {
        var text = ""
        text.reserveCapacity(page.count * 64)
        for row in page {
            try BigQueryRowsFile.writeRecord(row.cells, fields: schema, into: &text)
            text += "\n"
        }
        try handle.write(contentsOf: Data(text.utf8))
        rows += Int64(page.count)
    }

    func close() throws { try handle.close() }

    private static func writeRecord(_ cells: [BigQueryCell], fields: [BigQueryField], into text: inout String) throws {
        guard cells.count == fields.count else {
            throw ExtractError("BigQuery sent a row with \(cells.count) values for \(fields.count) columns")
        }
        text += "{"
        for (index, (cell, field)) in zip(cells, fields).enumerated() {
            if index > 0 { text += "," }
            writeString(field.name, into: &text)
            text += ":"
            try writeValue(cell, field: field, into: &text)
        }
        text += "}"
    }

    private static func writeValue(_ cell: BigQueryCell, field: BigQueryField, into text: inout String) throws {
        switch cell {
        case .null:
            text += field.isRepeated ? "[]" : "null"
        case .text(let value):
            guard !field.isRepeated, !field.isRecord else {
                throw ExtractError("BigQuery sent text for the \(field.isRepeated ? "repeated" : "record") column \(field.name)")
            }
            writeString(value, into: &text)
        case .repeated(let values):
            guard field.isRepeated else { throw ExtractError("BigQuery sent a list for the column \(field.name)") }
            var element = field
            element.mode = "NULLABLE"
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                try writeValue(value, field: element, into: &text)
            }
            text += "]"
        case .record(let cells):
            guard field.isRecord, !field.isRepeated else { throw ExtractError("BigQuery sent a record for the column \(field.name)") }
            try writeRecord(cells, fields: field.fields ?? [], into: &text)
        }
    }

    /// `value` as a JSON string.
    static func writeString(_ value: String, into text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20: text += String(format: "\\u%04x", scalar.value)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
