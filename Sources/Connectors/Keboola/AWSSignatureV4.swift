import Crypto
import Foundation

/// AWS Signature Version 4 for header-signed requests (what S3 asks of a GET made with temporary credentials).
/// Pure and synchronous: the caller gives the moment, so a retry signs again with a fresh date.
struct AWSSignatureV4: Sendable {
    /// Temporary (STS) or long-lived credentials. The secret and the session token never leave this value except as
    /// the signature and the `x-amz-security-token` header.
    struct Credentials: Sendable {
        var accessKeyID: String
        var secretAccessKey: String
        var sessionToken: String?
    }

    /// The body hash S3 accepts for a request whose payload is not signed (a GET has none).
    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    var credentials: Credentials
    var region: String
    var service: String

    /// The headers to send with `method url`: `headers` as given plus `host`, `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token` (with a session token) and `Authorization`. Every header returned is signed.
    func signedHeaders(
        method: String, url: URL, headers: [(String, String)] = [], payloadHash: String = AWSSignatureV4.unsignedPayload, date: Date
    ) -> [(String, String)] {
        var all = headers
        if !all.contains(where: { $0.0.lowercased() == "host" }) { all.append(("host", AWSSignatureV4.host(of: url))) }
        all.append(("x-amz-date", AWSSignatureV4.timestamp(date)))
        all.append(("x-amz-content-sha256", payloadHash))
        if let token = credentials.sessionToken { all.append(("x-amz-security-token", token)) }
        all.append(("Authorization", authorization(method: method, url: url, headers: all, payloadHash: payloadHash, date: date)))
        return all
    }

    /// The `Authorization` header's value for a request with exactly `headers` (all of them signed).
    func authorization(method: String, url: URL, headers: [(String, String)], payloadHash: String, date: Date) -> String {
        let canonical = AWSSignatureV4.canonicalRequest(method: method, url: url, headers: headers, payloadHash: payloadHash)
        let scope = "\(AWSSignatureV4.day(date))/\(region)/\(service)/aws4_request"
        let signature = signature(of: canonical.request, scope: scope, date: date)
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope),SignedHeaders=\(canonical.signedHeaders),"
            + "Signature=\(signature)"
    }

    /// The hex signature of `canonicalRequest` in `scope` (`yyyyMMdd/region/service/aws4_request`).
    func signature(of canonicalRequest: String, scope: String, date: Date) -> String {
        let stringToSign = [
            "AWS4-HMAC-SHA256", AWSSignatureV4.timestamp(date), scope, AWSSignatureV4.hex(SHA256.hash(data: Data(canonicalRequest.utf8))),
        ]
        .joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [AWSSignatureV4.day(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return AWSSignatureV4.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// The canonical request and the `SignedHeaders` list. The path is used as it is percent-encoded in `url` (S3
    /// does not encode twice); query parameters are sorted by name, then value.
    static func canonicalRequest(method: String, url: URL, headers: [(String, String)], payloadHash: String) -> (
        request: String, signedHeaders: String
    ) {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = components?.percentEncodedPath ?? ""
        var pairs: [(name: String, value: String)] = []
        for item in components?.percentEncodedQueryItems ?? [] {
            let name = item.name.removingPercentEncoding ?? item.name
            let value = item.value.flatMap { $0.removingPercentEncoding } ?? ""
            pairs.append((uriEncode(name), uriEncode(value)))
        }
        pairs.sort { left, right in left.name == right.name ? left.value < right.value : left.name < right.name }
        let query = pairs.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
        var byName: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
                .joined(separator: " ")
            byName[name.lowercased(), default: []].append(trimmed)
        }
        let names = byName.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(byName[$0, default: []].joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let request = [method, path.isEmpty ? "/" : path, query, canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        return (request, signedHeaders)
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` when `keepSlash`), as AWS asks.
    static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        if keepSlash { allowed.insert("/") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `host` or `host:port` when the port is not the scheme's default (what an HTTP client sends as `Host`).
    static func host(of url: URL) -> String {
        let host = url.host ?? ""
        guard let port = url.port else { return host }
        let defaultPort = url.scheme?.lowercased() == "https" ? 443 : 80
        return port == defaultPort ? host : "\(host):\(port)"
    }

    static func timestamp(_ date: Date) -> String { format(date, "yyyyMMdd'T'HHmmss'Z'") }
    static func day(_ date: Date) -> String { format(date, "yyyyMMdd") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    private static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
