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
/// listing its slices, and, with `federationToken=1`, where the file lives in the stack's cloud storage with
/// temporary credentials to read it (AWS: `s3Path` and `credentials`; GCP: `gcsPath` and `gcsCredentials`; Azure:
/// `absPath` and `absCredentials`). A credentials block that does not decode is left out rather than failing the
/// file: slices that need it then fail with a message saying so.
struct KeboolaFile: Decodable, Sendable {
    /// An object in a bucket (`s3Path`, `gcsPath`).
    struct BucketPath: Decodable, Sendable {
        var bucket: String
        var key: String
    }
    /// A blob in a container (`absPath`).
    struct BlobPath: Decodable, Sendable {
        var container: String
        var name: String
    }
    /// AWS STS temporary credentials.
    struct AWSCredentials: Decodable, Sendable {
        var AccessKeyId: String
        var SecretAccessKey: String
        var SessionToken: String?
        var Expiration: String?
    }
    /// A Google OAuth access token for Cloud Storage.
    struct GCSCredentials: Decodable, Sendable {
        var access_token: String
        var token_type: String?
        var projectId: String?
    }
    /// An Azure connection string with a shared access signature (`BlobEndpoint=…;SharedAccessSignature=…`).
    struct AzureCredentials: Decodable, Sendable {
        var SASConnectionString: String
        var expiration: String?

        /// The connection string's `BlobEndpoint` and `SharedAccessSignature`.
        var parts: (endpoint: String, signature: String)? {
            var fields: [String: String] = [:]
            for pair in SASConnectionString.split(separator: ";") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                fields[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            guard let endpoint = fields["BlobEndpoint"], let signature = fields["SharedAccessSignature"] else { return nil }
            return (endpoint, signature)
        }
    }

    var id: Int64
    var url: URL
    var isSliced: Bool?
    var sizeBytes: Int64?
    /// `aws`, `gcp` or `azure`.
    var provider: String?
    var region: String?
    var s3Path: BucketPath?
    var credentials: AWSCredentials?
    var gcsPath: BucketPath?
    var gcsCredentials: GCSCredentials?
    var absPath: BlobPath?
    var absCredentials: AzureCredentials?

    enum CodingKeys: String, CodingKey {
        case id, url, isSliced, sizeBytes, provider, region, s3Path, credentials, gcsPath, gcsCredentials, absPath, absCredentials
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int64.self, forKey: .id)
        url = try container.decode(URL.self, forKey: .url)
        isSliced = try container.decodeIfPresent(Bool.self, forKey: .isSliced)
        sizeBytes = try? container.decodeIfPresent(Int64.self, forKey: .sizeBytes)
        provider = try? container.decodeIfPresent(String.self, forKey: .provider)
        region = try? container.decodeIfPresent(String.self, forKey: .region)
        s3Path = try? container.decodeIfPresent(BucketPath.self, forKey: .s3Path)
        credentials = try? container.decodeIfPresent(AWSCredentials.self, forKey: .credentials)
        gcsPath = try? container.decodeIfPresent(BucketPath.self, forKey: .gcsPath)
        gcsCredentials = try? container.decodeIfPresent(GCSCredentials.self, forKey: .gcsCredentials)
        absPath = try? container.decodeIfPresent(BlobPath.self, forKey: .absPath)
        absCredentials = try? container.decodeIfPresent(AzureCredentials.self, forKey: .absCredentials)
    }

    /// Every credential value in this file's answer, to be scrubbed from messages.
    var secrets: [String] {
        var secrets: [String] = []
        if let credentials {
            secrets += [credentials.SecretAccessKey, credentials.SessionToken].compactMap { $0 }
        }
        if let gcsCredentials { secrets.append(gcsCredentials.access_token) }
        if let absCredentials {
            secrets.append(absCredentials.SASConnectionString)
            if let signature = absCredentials.parts?.signature {
                secrets.append(signature)
                // The `sig=` value alone, as it may appear decoded or on its own.
                for item in signature.split(separator: "&") where item.hasPrefix("sig=") {
                    let value = String(item.dropFirst(4))
                    secrets += [value, value.removingPercentEncoding ?? value]
                }
            }
        }
        // Signed https URLs carry their signature in the query.
        if let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.query, !query.isEmpty { secrets.append(query) }
        return secrets.filter { $0.count >= 8 }
    }
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
