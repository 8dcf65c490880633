import Foundation
import JWTKit

/// A Google service-account key file (`GOOGLE_APPLICATION_CREDENTIALS`): who signs, with which RSA key, at which
/// token endpoint. The key stays in memory only while a token is requested; it is never logged or put in a message.
struct BigQueryServiceAccount: Sendable {
    var clientEmail: String
    var privateKeyID: String?
    var tokenURL: URL
    fileprivate var privateKeyPEM: String

    private struct File: Decodable {
        var type: String?
        var client_email: String?
        var private_key: String?
        var private_key_id: String?
        var token_uri: String?
    }

    /// Reads and checks the key file at `path`; messages name the variable and the file, never its content.
    static func load(path: String, variable: String) throws(BigQueryError) -> BigQueryServiceAccount {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .failed("the service-account key file named by \(variable) (\(path)) cannot be read")
        }
        guard let file = try? JSONDecoder().decode(File.self, from: data) else {
            throw .failed("the file named by \(variable) (\(path)) is not a service-account key (JSON)")
        }
        if let type = file.type, type != "service_account" {
            throw .failed(
                "the file named by \(variable) is a \"\(type)\" credential; a service-account key (\"type\": \"service_account\") is needed"
            )
        }
        guard let email = file.client_email, !email.isEmpty, let key = file.private_key, key.contains("PRIVATE KEY") else {
            throw .failed("the service-account key named by \(variable) lacks client_email or private_key")
        }
        let tokenText = file.token_uri.flatMap { $0.isEmpty ? nil : $0 } ?? "https://oauth2.googleapis.com/token"
        let tokenURL: URL
        do {
            tokenURL = try ServiceURL.parse(tokenText, key: "token_uri of the service-account key")
        } catch {
            throw .failed(error.description)
        }
        return BigQueryServiceAccount(
            clientEmail: email, privateKeyID: file.private_key_id, tokenURL: tokenURL, privateKeyPEM: key)
    }

    /// The signed RS256 assertion of the JWT-bearer grant (RFC 7523) for `scope`, valid for an hour from `now`.
    func assertion(scope: String, now: Date = Date()) async throws(BigQueryError) -> String {
        do {
            let key = try Insecure.RSA.PrivateKey(pem: privateKeyPEM)
            let keys = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256)
            var header = JWTHeader()
            header.kid = privateKeyID
            let issued = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
            let claims = BigQueryAssertion(
                iss: IssuerClaim(value: clientEmail), scope: scope, aud: AudienceClaim(value: tokenURL.absoluteString),
                iat: IssuedAtClaim(value: issued), exp: ExpirationClaim(value: issued.addingTimeInterval(3600)))
            return try await keys.sign(claims, header: header)
        } catch {
            // The key library's error is not quoted: it is about the key.
            throw .failed("the private_key of the service-account key for \(clientEmail) is not a usable RSA key (PEM)")
        }
    }
}

/// The claims of the service account's assertion.
struct BigQueryAssertion: JWTPayload {
    var iss: IssuerClaim
    var scope: String
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
