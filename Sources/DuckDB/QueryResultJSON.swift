import Foundation
import JSONWriting

/// Writes a query result as the API's JSON, `{"columns","types","rows","row_count","truncated"}`, streaming the
/// result chunk by chunk and keeping at most `limit` rows.
///
/// Values map naturally: numbers stay numbers (DECIMAL and 128-bit integers that a double cannot hold exactly
/// become strings), dates and times ISO 8601, LIST an array, STRUCT an object, MAP an object (or
/// `[{"key","value"}]` when its keys are not strings), BLOB base64, NaN/infinity strings.
public enum QueryResultJSON {
    /// The rendered JSON and how many rows it holds.
    public static func render(_ result: QueryResult, limit: Int) throws -> (json: String, rowCount: Int, truncated: Bool) {
        var json = "{\"columns\":["
        json += result.columns.map { JSONText.quote($0.name) }.joined(separator: ",")
        json += "],\"types\":["
        json += result.columns.map { JSONText.quote($0.type.description) }.joined(separator: ",")
        json += "],\"rows\":["
        var count = 0
        var truncated = false
        chunks: while let chunk = try result.nextChunk() {
            for row in 0..<chunk.count {
                guard count < limit else {
                    truncated = true
                    break chunks
                }
                if count > 0 { json += "," }
                json += "["
                for column in 0..<result.columns.count {
                    if column > 0 { json += "," }
                    append(chunk.value(column: column, row: row), to: &json)
                }
                json += "]"
                count += 1
            }
        }
        json += "],\"row_count\":\(count),\"truncated\":\(truncated)}"
        return (json, count, truncated)
    }

    /// Appends one value's JSON.
    public static func append(_ value: Value, to json: inout String) {
        switch value {
        case .null: json += "null"
        case .boolean(let v): json += v ? "true" : "false"
        case .tinyint(let v): json += String(v)
        case .smallint(let v): json += String(v)
        case .integer(let v): json += String(v)
        case .bigint(let v): json += String(v)
        case .utinyint(let v): json += String(v)
        case .usmallint(let v): json += String(v)
        case .uinteger(let v): json += String(v)
        case .ubigint(let v): json += String(v)
        case .hugeint(let v): json += abs(v) <= 1 << 53 ? String(v) : JSONText.quote(String(v))
        case .uhugeint(let v): json += v <= 1 << 53 ? String(v) : JSONText.quote(String(v))
        case .decimal(let v):
            // A double holds 15 significant digits exactly.
            let text = v.description
            json += text.filter(\.isNumber).count <= 15 ? text : JSONText.quote(text)
        case .float(let v): appendFloating(Double(v), description: "\(v)", to: &json)
        case .double(let v): appendFloating(v, description: "\(v)", to: &json)
        case .varchar(let v), .enumeration(let v), .bit(let v): json += JSONText.quote(v)
        case .blob(let v): json += JSONText.quote(Data(v).base64EncodedString())
        case .date(let v): json += JSONText.quote(v.description)
        case .time(let v): json += JSONText.quote(v.description)
        case .timeWithTimeZone(let v): json += JSONText.quote(v.description)
        case .timestamp(let v): json += JSONText.quote(v.description)
        case .interval(let v): json += JSONText.quote(v.description)
        case .uuid(let v): json += JSONText.quote(v.uuidString.lowercased())
        case .list(let values):
            json += "["
            for (index, element) in values.enumerated() {
                if index > 0 { json += "," }
                append(element, to: &json)
            }
            json += "]"
        case .structure(let fields):
            json += "{"
            for (index, field) in fields.enumerated() {
                if index > 0 { json += "," }
                json += JSONText.quote(field.name) + ":"
                append(field.value, to: &json)
            }
            json += "}"
        case .map(let entries):
            if entries.allSatisfy({ $0.key.stringValue != nil }) {
                json += "{"
                for (index, entry) in entries.enumerated() {
                    if index > 0 { json += "," }
                    json += JSONText.quote(entry.key.stringValue ?? "") + ":"
                    append(entry.value, to: &json)
                }
                json += "}"
            } else {
                json += "["
                for (index, entry) in entries.enumerated() {
                    if index > 0 { json += "," }
                    json += "{\"key\":"
                    append(entry.key, to: &json)
                    json += ",\"value\":"
                    append(entry.value, to: &json)
                    json += "}"
                }
                json += "]"
            }
        case .unsupported(let typeName): json += JSONText.quote("<\(typeName)>")
        }
    }

    private static func appendFloating(_ value: Double, description: String, to json: inout String) {
        guard value.isFinite else {
            json += JSONText.quote(value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"))
            return
        }
        // Swift prints whole doubles as "2.0" and large ones as "1e+20": both are valid JSON numbers.
        json += description
    }
}
