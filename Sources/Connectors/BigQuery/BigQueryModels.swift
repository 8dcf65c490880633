import Foundation

/// A column of a BigQuery result (`schema.fields[]`): its type, `mode` (`NULLABLE`, `REQUIRED`, `REPEATED`) and,
/// for `RECORD`/`STRUCT`, its own fields.
struct BigQueryField: Codable, Sendable, Equatable {
    var name: String
    var type: String
    var mode: String?
    var fields: [BigQueryField]?

    var isRepeated: Bool { mode?.uppercased() == "REPEATED" }
    var isRecord: Bool { ["RECORD", "STRUCT"].contains(type.uppercased()) }
}

/// `schema` of a query result.
struct BigQuerySchema: Codable, Sendable, Equatable {
    var fields: [BigQueryField]
}

/// One value of a result row as BigQuery's JSON spells it: `null`, a string (every scalar, numbers included),
/// a repeated value (`[{"v": …}]`) or a record (`{"f": [{"v": …}]}`).
indirect enum BigQueryCell: Decodable, Sendable, Equatable {
    case null
    case text(String)
    case repeated([BigQueryCell])
    case record([BigQueryCell])

    private struct Wrapped: Decodable { var v: BigQueryCell }
    private struct Record: Decodable { var f: [Wrapped] }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let values = try? container.decode([Wrapped].self) {
            self = .repeated(values.map(\.v))
        } else if let record = try? container.decode(Record.self) {
            self = .record(record.f.map(\.v))
        } else if let number = try? container.decode(Double.self) {
            // Not BigQuery's documented form, but a number is still a value.
            self = .text(String(number))
        } else if let flag = try? container.decode(Bool.self) {
            self = .text(flag ? "true" : "false")
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a BigQuery cell value")
        }
    }
}

/// A result row: `{"f": [{"v": …}, …]}`.
struct BigQueryRow: Decodable, Sendable {
    var cells: [BigQueryCell]

    private struct Wrapped: Decodable { var v: BigQueryCell }
    private enum CodingKeys: String, CodingKey { case f }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cells = try container.decode([Wrapped].self, forKey: .f).map(\.v)
    }
}

/// Which job a query ran as (`jobReference`).
struct BigQueryJobReference: Decodable, Sendable {
    var projectId: String?
    var jobId: String
    var location: String?
}

/// The answer of `jobs.query` and `jobs.getQueryResults`: done or not, the schema, one page of rows and the token
/// of the next page.
struct BigQueryQueryResponse: Decodable, Sendable {
    var jobReference: BigQueryJobReference?
    var jobComplete: Bool?
    var schema: BigQuerySchema?
    var rows: [BigQueryRow]?
    var pageToken: String?
    var totalRows: String?
}

/// The body of `jobs.query`.
struct BigQueryQueryRequest: Encodable, Sendable {
    struct FormatOptions: Encodable, Sendable { var useInt64Timestamp: Bool }
    var query: String
    var useLegacySql = false
    var location: String?
    var maxResults: Int
    var timeoutMs: Int
    var formatOptions = FormatOptions(useInt64Timestamp: true)
}

/// BigQuery's error document: `{"error": {"code", "message", "status", "errors": [{"reason", "message"}]}}`.
struct BigQueryErrorBody: Decodable, Sendable {
    struct Detail: Decodable, Sendable {
        var code: Int?
        var message: String?
        var status: String?
        var errors: [Reason]?
    }
    struct Reason: Decodable, Sendable {
        var reason: String?
        var message: String?
    }
    var error: Detail
}

/// `datasets.list` (one page).
struct BigQueryDatasetList: Decodable, Sendable {
    struct Dataset: Decodable, Sendable {
        struct Reference: Decodable, Sendable { var datasetId: String }
        var datasetReference: Reference
        var location: String?
    }
    var datasets: [Dataset]?
    var nextPageToken: String?
}

/// `tables.list` (one page).
struct BigQueryTableList: Decodable, Sendable {
    struct Table: Decodable, Sendable {
        struct Reference: Decodable, Sendable { var datasetId: String; var tableId: String }
        var tableReference: Reference
        var type: String?
        var creationTime: String?
    }
    var tables: [Table]?
    var nextPageToken: String?
}

/// `tables.get`: a table's schema, size and description.
struct BigQueryTableInfo: Decodable, Sendable {
    var schema: BigQuerySchema?
    var numRows: String?
    var numBytes: String?
    var description: String?
    var lastModifiedTime: String?
}

/// A token endpoint's answer.
struct BigQueryTokenResponse: Decodable, Sendable {
    var access_token: String
    var expires_in: Int?
    var token_type: String?
}
