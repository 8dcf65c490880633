import Foundation

/// Turns the slices of one exported file into the HTTP requests that read them: a signed https URL as it is; an S3
/// object as a GET signed with AWS Signature Version 4 from the file's temporary credentials; a Cloud Storage object
/// as a media GET with the file's OAuth access token; an Azure blob with the file's shared access signature.
///
/// The Storage API token is never part of these requests. The credentials are secrets like the token: `scrub`
/// removes them (and the token) from any text.
struct KeboolaSliceDownloader: Sendable {
    /// Where the clouds' storage APIs are: their public endpoints, or those the environment names for a compatible
    /// store or an emulator (`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`; `STORAGE_EMULATOR_HOST`). Read when a
    /// slice needs them, so a malformed variable fails only the exports that use it.
    struct Endpoints: Sendable, Equatable {
        var s3: (variable: String, value: String)? {
            s3Value.map { (s3Variable, $0) }
        }
        private var s3Variable = "AWS_ENDPOINT_URL_S3"
        private var s3Value: String?
        var gcsEmulatorHost: String?

        init(environment: [String: String]) {
            for variable in ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] {
                if let value = environment[variable], !value.isEmpty {
                    s3Variable = variable
                    s3Value = value
                    break
                }
            }
            gcsEmulatorHost = environment["STORAGE_EMULATOR_HOST"].flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// One slice's GET: where to and with which headers.
    struct Request: Sendable {
        var url: URL
        var headers: [(String, String)]
        /// The store's name for messages.
        var store: String
    }

    let file: KeboolaFile
    let endpoints: Endpoints

    /// The request for `location`, signed at `now` (call again for each attempt: an S3 signature is valid for
    /// 15 minutes). Throws when the file's answer lacks what the store needs or names a slice elsewhere.
    func request(for location: KeboolaSliceLocation, table: String, now: Date) throws(KeboolaError) -> Request {
        switch location {
        case .url(let url):
            try KeboolaClient.checkDownloadURL(url, table: table)
            return Request(url: url, headers: [], store: location.store)
        case .s3(let bucket, let key):
            return try s3(bucket: bucket, key: key, table: table, now: now)
        case .gcs(let bucket, let key):
            return try gcs(bucket: bucket, key: key, table: table)
        case .azure(let container, let name):
            return try azure(container: container, name: name, table: table)
        }
    }

    private func s3(bucket: String, key: String, table: String, now: Date) throws(KeboolaError) -> Request {
        guard let credentials = file.credentials else { throw missing("S3", "credentials", table: table) }
        guard let region = file.region, KeboolaSliceDownloader.matches(region, "^[a-z0-9-]{1,40}$") else {
            throw .failed("the export of \(table) is stored in S3, but Keboola named no usable region for file \(file.id)")
        }
        try checkBucket(bucket, expected: file.s3Path?.bucket, pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", store: "S3", table: table)
        let path = "/" + AWSSignatureV4.uriEncode(key, keepSlash: true)
        let base: String
        if let endpoint = endpoints.s3 {
            // A custom endpoint (a compatible store or an emulator) is addressed path-style.
            base = try KeboolaSliceDownloader.base(endpoint.value, variable: endpoint.variable) + "/" + bucket
        } else if bucket.contains(".") {
            // A dotted bucket name does not match the wildcard certificate of the virtual host.
            base = "https://s3.\(region).amazonaws.com/\(bucket)"
        } else {
            base = "https://\(bucket).s3.\(region).amazonaws.com"
        }
        guard let url = URL(string: base + path) else { throw unusable("S3", table: table) }
        let signer = AWSSignatureV4(
            credentials: .init(
                accessKeyID: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey,
                sessionToken: credentials.SessionToken),
            region: region, service: "s3")
        return Request(url: url, headers: signer.signedHeaders(method: "GET", url: url, date: now), store: "S3")
    }

    private func gcs(bucket: String, key: String, table: String) throws(KeboolaError) -> Request {
        guard let credentials = file.gcsCredentials else { throw missing("Google Cloud Storage", "gcsCredentials", table: table) }
        try checkBucket(
            bucket, expected: file.gcsPath?.bucket, pattern: "^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$", store: "Google Cloud Storage",
            table: table)
        var base = "https://storage.googleapis.com"
        if let host = endpoints.gcsEmulatorHost {
            // The emulator variable is usually `host:port`; the Google clients then speak plain http.
            base = try KeboolaSliceDownloader.base(host.contains("://") ? host : "http://" + host, variable: "STORAGE_EMULATOR_HOST")
        }
        let text = "\(base)/storage/v1/b/\(bucket)/o/\(AWSSignatureV4.uriEncode(key))?alt=media"
        guard let url = URL(string: text) else { throw unusable("Google Cloud Storage", table: table) }
        return Request(url: url, headers: [("Authorization", "Bearer \(credentials.access_token)")], store: "Google Cloud Storage")
    }

    private func azure(container: String, name: String, table: String) throws(KeboolaError) -> Request {
        guard let parts = file.absCredentials?.parts else { throw missing("Azure Blob Storage", "absCredentials", table: table) }
        if let expected = file.absPath?.container, expected != container {
            throw .failed("the slice manifest of \(table) names a slice outside the export's Azure container")
        }
        // The account is the one the connection string names: a manifest cannot send the signature elsewhere.
        let endpoint = try KeboolaSliceDownloader.base(parts.endpoint, variable: "the file's BlobEndpoint")
        let path = AWSSignatureV4.uriEncode(container) + "/" + AWSSignatureV4.uriEncode(name, keepSlash: true)
        let signature = parts.signature.hasPrefix("?") ? String(parts.signature.dropFirst()) : parts.signature
        guard let url = URL(string: "\(endpoint)/\(path)?\(signature)") else { throw unusable("Azure Blob Storage", table: table) }
        return Request(url: url, headers: [("x-ms-version", "2021-08-06")], store: "Azure Blob Storage")
    }

    /// `text` without the Storage token and without any of the file's credentials.
    func scrub(_ text: String, client: KeboolaClient) -> String {
        file.secrets.reduce(client.scrub(text)) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    private func checkBucket(
        _ bucket: String, expected: String?, pattern: String, store: String, table: String
    ) throws(KeboolaError) {
        guard KeboolaSliceDownloader.matches(bucket, pattern) else {
            throw .failed("the slice manifest of \(table) names a \(store) bucket that is not a valid name")
        }
        if let expected, expected != bucket {
            throw .failed("the slice manifest of \(table) names a slice outside the export's \(store) bucket")
        }
    }

    private func missing(_ store: String, _ field: String, table: String) -> KeboolaError {
        .failed("the export of \(table) is stored in \(store), but Keboola's answer for file \(file.id) has no \(field) to read it")
    }

    private func unusable(_ store: String, table: String) -> KeboolaError {
        .failed("the slice manifest of \(table) names a \(store) object whose URL cannot be built")
    }

    /// An endpoint's base URL without a trailing slash: https, or plain http only on a loopback address.
    private static func base(_ text: String, variable: String) throws(KeboolaError) -> String {
        do {
            let url = try ServiceURL.parse(text, key: variable)
            var base = url.absoluteString
            while base.hasSuffix("/") { base.removeLast() }
            return base
        } catch {
            throw .failed("\(error)")
        }
    }

    private static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }
}
