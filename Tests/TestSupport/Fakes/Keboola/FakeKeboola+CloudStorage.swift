import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The fake's cloud storage: the objects of exported files, served as S3 (path-style, SigV4 checked), Cloud Storage
/// (JSON API media GET, Bearer token checked) and Azure Blob Storage (Azurite-style path, SAS checked). The checks
/// are written from the providers' documentation, independently of the connector's code.
extension FakeKeboolaState {
    static let bucket = "kbc-sapi-files"
    static let azureAccount = "kbcfiles"
    static let azureContainer = "exp-files"

    var storageSecrets: [String] {
        data.withLock { [$0.awsSecret, $0.awsSessionToken, $0.gcsToken, $0.azureSignature] }
    }

    /// The provider's fields of a file's answer (`federationToken=1`), for a cloud backend.
    static func storageFields(of file: StoredFile, _ data: Store) -> [String: Any] {
        let key = file.sliced ? "exp-2/\(file.id)/manifest" : (file.keys.first ?? "")
        let wrong = data.wrongCredentialsHandedOut
        let expiration = keboolaTime(Date().addingTimeInterval(36 * 3600))
        switch data.storage {
        case .https:
            return [:]
        case .s3(let region):
            return [
                "provider": "aws", "region": region, "s3Path": ["bucket": bucket, "key": key],
                "credentials": [
                    "AccessKeyId": data.awsAccessKey, "SecretAccessKey": wrong ? String(data.awsSecret.reversed()) : data.awsSecret,
                    "SessionToken": data.awsSessionToken, "Expiration": expiration,
                ],
            ]
        case .gcs:
            return [
                "provider": "gcp", "region": "europe-west3", "gcsPath": ["bucket": bucket, "key": key],
                "gcsCredentials": [
                    "access_token": wrong ? String(data.gcsToken.reversed()) : data.gcsToken, "expires_in": 3599,
                    "token_type": "Bearer", "projectId": "kbc-fake-project",
                ],
            ]
        case .azure:
            let signature = wrong ? String(data.azureSignature.reversed()) : data.azureSignature
            return [
                "provider": "azure", "region": "westeurope", "absPath": ["container": azureContainer, "name": key],
                "absCredentials": [
                    "SASConnectionString":
                        "BlobEndpoint=\(data.base)/\(azureAccount);SharedAccessSignature=sv=2021-08-06&ss=b&srt=o&sp=rl&se=2099-01-01T00:00:00Z&sig=\(signature)",
                    "expiration": expiration,
                ],
            ]
        }
    }

    /// A slice's entry in the manifest.
    static func objectURL(_ key: String, _ storage: FakeKeboola.StorageBackend) -> String {
        switch storage {
        case .https: ""
        case .s3: "s3://\(bucket)/\(key)"
        case .gcs: "gs://\(bucket)/\(key)"
        case .azure: "azure://\(azureAccount).blob.core.windows.net/\(azureContainer)/\(key)"
        }
    }

    func addCloudStorageRoutes(to router: Router<BasicRequestContext>) {
        // S3, path-style: GET /<bucket>/<key>.
        router.get("\(FakeKeboolaState.bucket)/**") { request, _ in
            self.serve(request, key: FakeKeboolaState.rawPath(request).dropFirst("/\(FakeKeboolaState.bucket)/".count)) { data in
                guard case .s3(let region) = data.storage else { return FakeKeboolaState.s3Error(404, "NoSuchBucket", "No such bucket") }
                if data.storageCredentialsExpired {
                    return FakeKeboolaState.s3Error(400, "ExpiredToken", "The provided token has expired.")
                }
                if let failure = FakeKeboolaState.checkSigV4(request, data: data, region: region) {
                    return FakeKeboolaState.s3Error(403, failure.code, failure.message)
                }
                return nil
            }
        }
        // Cloud Storage JSON API: GET /storage/v1/b/<bucket>/o/<url-encoded name>?alt=media.
        router.get("storage/v1/b/:bucket/o/**") { request, context in
            let prefix = "/storage/v1/b/\(try context.parameters.require("bucket"))/o/"
            return self.serve(request, key: FakeKeboolaState.rawPath(request).dropFirst(prefix.count)) { data in
                guard data.storage == .gcs, prefix == "/storage/v1/b/\(FakeKeboolaState.bucket)/o/",
                    request.uri.queryParameters.get("alt") == "media"
                else { return FakeKeboolaState.gcsError(404, "Not Found") }
                let authorization = FakeKeboolaState.header("authorization", in: request)
                guard authorization == "Bearer \(data.gcsToken)", !data.storageCredentialsExpired else {
                    return FakeKeboolaState.gcsError(401, "Invalid Credentials")
                }
                return nil
            }
        }
        // Azure Blob Storage, Azurite-style: GET /<account>/<container>/<name>?<SAS>.
        router.get("\(FakeKeboolaState.azureAccount)/\(FakeKeboolaState.azureContainer)/**") { request, _ in
            let prefix = "/\(FakeKeboolaState.azureAccount)/\(FakeKeboolaState.azureContainer)/"
            return self.serve(request, key: FakeKeboolaState.rawPath(request).dropFirst(prefix.count)) { data in
                guard data.storage == .azure else { return FakeKeboolaState.s3Error(404, "ContainerNotFound", "No such container") }
                let query = FakeKeboolaState.queryFields(request.uri.query ?? "")
                guard query["sig"] == data.azureSignature, query["sv"] != nil, !data.storageCredentialsExpired else {
                    return FakeKeboolaState.s3Error(
                        403, "AuthenticationFailed",
                        "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly.")
                }
                return nil
            }
        }
    }

    /// Serves the object at the percent-encoded `key` unless `refusal` (run under the lock) answers instead.
    private func serve(_ request: Request, key: Substring, refusal: (Store) -> Response?) -> Response {
        let key = String(key).removingPercentEncoding ?? String(key)
        let answer: Response? = data.withLock { data in
            if FakeKeboolaState.token(in: request) != nil { data.tokensSentToFileURLs += 1 }
            if let refused = refusal(data) { return refused }
            guard let path = data.objects[key], let bytes = FileManager.default.contents(atPath: path) else { return nil }
            data.storageReads += 1
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(data: bytes)))
        }
        return answer ?? FakeKeboolaState.s3Error(404, "NoSuchKey", "The specified key does not exist.")
    }

    /// The request's path as sent (percent-encoded), without the query.
    static func rawPath(_ request: Request) -> String {
        let target = request.head.path ?? request.uri.path
        return String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    static func header(_ name: String, in request: Request) -> String? {
        let values = request.headers.filter { $0.name.canonicalName == name }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ",")
    }

    static func queryFields(_ query: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            fields[parts[0].removingPercentEncoding ?? parts[0]] = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
        }
        return fields
    }

    // MARK: - AWS Signature Version 4, as S3 checks it

    /// Why S3 would refuse `request` (`nil` when the signature is right): the `Authorization` header must name the
    /// issued access key, today's scope in `region` for `s3`, sign `host`, `x-amz-date`, `x-amz-content-sha256` and
    /// `x-amz-security-token` (the issued session token), with `x-amz-date` within 15 minutes, and carry the signature
    /// computed here from the request as received.
    static func checkSigV4(_ request: Request, data: Store, region: String) -> (code: String, message: String)? {
        let mismatch = (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method."
        )
        guard let authorization = header("authorization", in: request), authorization.hasPrefix("AWS4-HMAC-SHA256 ") else {
            return ("AccessDenied", "Access Denied")
        }
        var fields: [String: String] = [:]
        for part in authorization.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { fields[pair[0]] = pair[1] }
        }
        guard let credential = fields["Credential"], let signed = fields["SignedHeaders"], let signature = fields["Signature"] else {
            return ("AuthorizationHeaderMalformed", "The authorization header is malformed.")
        }
        let scope = credential.split(separator: "/").map(String.init)
        guard scope.count == 5, scope[0] == data.awsAccessKey else {
            return ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        }
        guard header("x-amz-security-token", in: request) == data.awsSessionToken else {
            return ("InvalidToken", "The provided token is malformed or otherwise invalid.")
        }
        let signedNames = signed.split(separator: ";").map(String.init)
        guard let amzDate = header("x-amz-date", in: request), let payloadHash = header("x-amz-content-sha256", in: request),
            ["host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"].allSatisfy(signedNames.contains),
            signedNames == signedNames.sorted()
        else { return mismatch }
        guard scope[1] == String(amzDate.prefix(8)), scope[2] == region, scope[3] == "s3", scope[4] == "aws4_request" else {
            return ("AuthorizationHeaderMalformed", "The authorization header is malformed; the region or date is wrong.")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        guard let date = formatter.date(from: amzDate), abs(date.timeIntervalSinceNow) < 15 * 60 else {
            return ("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
        }
        // The canonical URI: each segment decoded and encoded again (RFC 3986 unreserved characters stay).
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        let path = rawPath(request).split(separator: "/", omittingEmptySubsequences: false)
            .map { encode(String($0).removingPercentEncoding ?? String($0)) }.joined(separator: "/")
        let query = queryFields(request.uri.query ?? "").map { "\(encode($0.key))=\(encode($0.value))" }.sorted().joined(separator: "&")
        var canonicalHeaders = ""
        for name in signedNames {
            let value = name == "host" ? (request.head.authority ?? header("host", in: request) ?? "") : (header(name, in: request) ?? "")
            canonicalHeaders += "\(name):\(value.trimmingCharacters(in: .whitespaces))\n"
        }
        let canonical = ["GET", path, query, canonicalHeaders, signed, payloadHash].joined(separator: "\n")
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope[1...4].joined(separator: "/"), hex(SHA256.hash(data: Data(canonical.utf8))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(data.awsSecret)".utf8))
        for part in scope[1...4] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let expected = hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        return expected == signature ? nil : mismatch
    }

    static func s3Error(_ status: Int, _ code: String, _ message: String) -> Response {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>\(code)</Code><Message>\(message)</Message><RequestId>FAKE\(randomText(12).uppercased())</RequestId></Error>
            """
        return Response(
            status: .init(code: status), headers: [.contentType: "application/xml"], body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    static func gcsError(_ status: Int, _ message: String) -> Response {
        let body = #"{"error":{"code":\#(status),"message":"\#(message)","errors":[{"message":"\#(message)","domain":"global"}]}}"#
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Random letters and digits.
    static func randomText(_ count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<count).map { _ in alphabet.randomElement() ?? "a" })
    }
}
