import AnalystCore
import Foundation

// The parts of Keboola's Storage API answers the connector reads (field names as Keboola spells them).

/// A bucket (`GET /v2/storage/buckets`).
struct KeboolaBucket: Decodable, Sendable {
    var id: String
    var name: String
    var displayName: String?
    var stage: String?
    var description: String?
}

/// A metadata entry: a key, its value and who set it.
struct KeboolaMetadata: Decodable, Sendable, Equatable {
    var key: String
    var value: String?
    var provider: String?
}

/// A table (`GET /v2/storage/tables?include=columns,metadata`).
struct KeboolaTable: Decodable, Sendable {
    struct Bucket: Decodable, Sendable {
        var id: String
        var name: String?
        var displayName: String?
    }

    /// A typed table's column definition (`definition.columns[]`).
    struct ColumnDefinition: Decodable, Sendable {
        struct Native: Decodable, Sendable {
            var type: String?
            var length: String?
        }
        var name: String
        var basetype: String?
        var definition: Native?
    }

    struct Definition: Decodable, Sendable {
        var columns: [ColumnDefinition]?
    }

    var id: String
    var name: String
    var displayName: String?
    var bucket: Bucket?
    var columns: [String]?
    var primaryKey: [String]?
    var rowsCount: Int64?
    var dataSizeBytes: Int64?
    var lastChangeDate: String?
    var lastImportDate: String?
    var isTyped: Bool?
    var definition: Definition?
    var metadata: [KeboolaMetadata]?
    var columnMetadata: [String: [KeboolaMetadata]]?

    /// The table's description (`KBC.description` metadata), if any.
    var description: String? {
        metadata?.first { $0.key == "KBC.description" }?.value.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// An asynchronous job (`export-async`, `GET /v2/storage/jobs/{id}`).
struct KeboolaJob: Decodable, Sendable {
    struct Results: Decodable, Sendable {
        struct File: Decodable, Sendable { var id: Int64 }
        var file: File?
    }
    struct Failure: Decodable, Sendable {
        var message: String?
    }

    var id: Int64
    var status: String
    var createdTime: String?
    var results: Results?
    var error: Failure?

    var isFinished: Bool { status == "success" || status == "error" }

    /// Keboola's `results` is an empty JSON array (not an object) until the job has results.
    enum CodingKeys: String, CodingKey { case id, status, createdTime, results, error }
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int64.self, forKey: .id)
        status = try container.decode(String.self, forKey: .status)
        createdTime = try container.decodeIfPresent(String.self, forKey: .createdTime)
        results = try? container.decodeIfPresent(Results.self, forKey: .results)
        error = try? container.decodeIfPresent(Failure.self, forKey: .error)
    }
}

/// A stored file (`GET /v2/storage/files/{id}?federationToken=1`): a signed URL of the data, or of the manifest
/// listing its slices.
struct KeboolaFile: Decodable, Sendable {
    var id: Int64
    var url: URL
    var isSliced: Bool?
    var sizeBytes: Int64?
}

/// A sliced file's manifest: `{"entries": [{"url": …}, …]}`.
struct KeboolaSliceManifest: Decodable, Sendable {
    struct Entry: Decodable, Sendable { var url: String }
    var entries: [Entry]
}

/// The parameters of `export-async`: gzipped RFC CSV, optionally only some columns, rows changed since a moment,
/// and where-filters.
struct KeboolaExportRequest: Sendable {
    var columns: [String] = []
    var changedSince: String?
    var whereFilters: [WhereFilter] = []

    var formFields: [(String, String)] {
        var fields: [(String, String)] = [("format", "rfc"), ("gzip", "1")]
        for column in columns { fields.append(("columns[]", column)) }
        if let changedSince { fields.append(("changedSince", changedSince)) }
        for (index, filter) in whereFilters.enumerated() {
            fields.append(("whereFilters[\(index)][column]", filter.column))
            fields.append(("whereFilters[\(index)][operator]", filter._operator.rawValue))
            for value in filter.values { fields.append(("whereFilters[\(index)][values][]", value)) }
        }
        return fields
    }
}
