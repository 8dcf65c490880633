import Crypto
import Foundation
import Hummingbird
import JWTKit
import Logging
import Synchronization
import _CryptoExtras

/// A small OpenID Connect provider on 127.0.0.1 that speaks the real protocol: discovery document,
/// `/authorize` (which "signs in" the identity the test chose and redirects back with a code), `/token`
/// (checks client secret, redirect URI and the PKCE verifier, answers with an RS256 ID token) and `/jwks`.
///
/// Tests can make the provider misbehave (`Misbehaviour`) to check that the server rejects what it must.
public final class FakeOIDCProvider: Sendable {
    /// Who the next sign-in at `/authorize` is.
    public struct Identity: Sendable {
        public var subject: String
        public var email: String?
        public var emailVerified: Bool
        public var name: String?

        public init(subject: String = "1234567890", email: String?, emailVerified: Bool = true, name: String? = nil) {
            self.subject = subject
            self.email = email
            self.emailVerified = emailVerified
            self.name = name
        }
    }

    /// Ways the token endpoint can lie; the server must refuse each ID token.
    public enum Misbehaviour: Sendable {
        case none
        case wrongNonce
        case wrongAudience
        case wrongIssuer
        case expired
        /// Signed by a key the JWKS does not publish (with the published key's id).
        case foreignKey
        /// `alg: none`, no signature.
        case unsigned
        /// `/authorize` answers `error=access_denied`, as when the user clicks "Cancel".
        case userDenies
    }

    public let clientID: String
    public let clientSecret: String
    public let port: Int
    public var issuer: String { "http://127.0.0.1:\(port)" }
    public var discoveryURL: String { issuer + "/.well-known/openid-configuration" }

    private let state: ProviderState
    private let task: Task<Void, any Error>

    /// Starts the provider on a free port.
    public static func start(clientID: String = "test-client.apps.example", clientSecret: String = "test-client-secret")
        async throws -> FakeOIDCProvider
    {
        let state = try await ProviderState(clientID: clientID, clientSecret: clientSecret)
        let router = Router()
        state.addRoutes(to: router)
        let (port, task) = try await LocalHTTPServer.start(router, label: "fake-oidc")
        state.setIssuer("http://127.0.0.1:\(port)")
        return FakeOIDCProvider(clientID: clientID, clientSecret: clientSecret, port: port, state: state, task: task)
    }

    private init(clientID: String, clientSecret: String, port: Int, state: ProviderState, task: Task<Void, any Error>) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.port = port
        self.state = state
        self.task = task
    }

    /// Sets who signs in next and how the provider behaves.
    public func prepare(_ identity: Identity, misbehaviour: Misbehaviour = .none) {
        state.prepare(identity, misbehaviour: misbehaviour)
    }

    /// The query parameters of every `/authorize` request so far.
    public var authorizeRequests: [[String: String]] { state.authorizeRequests }

    /// How many times `/token` was called.
    public var tokenRequestCount: Int { state.tokenRequestCount }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// The provider's mutable state behind a lock: issued codes, the prepared identity, recorded requests.
private final class ProviderState: Sendable {
    struct Grant {
        var redirectURI: String
        var codeChallenge: String
        var nonce: String
        var identity: FakeOIDCProvider.Identity
        var misbehaviour: FakeOIDCProvider.Misbehaviour
    }

    struct Mutable {
        var issuer = ""
        var identity = FakeOIDCProvider.Identity(email: "someone@example.com")
        var misbehaviour = FakeOIDCProvider.Misbehaviour.none
        var grants: [String: Grant] = [:]
        var authorizeRequests: [[String: String]] = []
        var tokenRequestCount = 0
    }

    static let keyID = "fake-key-1"
    let clientID: String
    let clientSecret: String
    let signingKeys: JWTKeyCollection
    let foreignKeys: JWTKeyCollection
    let jwks: String
    private let mutable = Mutex(Mutable())

    init(clientID: String, clientSecret: String) async throws {
        self.clientID = clientID
        self.clientSecret = clientSecret
        let key = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let foreign = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        signingKeys = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: ProviderState.keyID))
        foreignKeys = await JWTKeyCollection().add(
            rsa: foreign, digestAlgorithm: .sha256, kid: JWKIdentifier(string: ProviderState.keyID))
        let (modulus, exponent) = try key.publicKey.getKeyPrimitives()
        let jwk: [String: String] = [
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": ProviderState.keyID,
            "n": base64URL(modulus), "e": base64URL(exponent),
        ]
        jwks = String(decoding: try JSONSerialization.data(withJSONObject: ["keys": [jwk]]), as: UTF8.self)
    }

    func setIssuer(_ issuer: String) { mutable.withLock { $0.issuer = issuer } }

    func prepare(_ identity: FakeOIDCProvider.Identity, misbehaviour: FakeOIDCProvider.Misbehaviour) {
        mutable.withLock {
            $0.identity = identity
            $0.misbehaviour = misbehaviour
        }
    }

    var authorizeRequests: [[String: String]] { mutable.withLock { $0.authorizeRequests } }
    var tokenRequestCount: Int { mutable.withLock { $0.tokenRequestCount } }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get(".well-known/openid-configuration") { _, _ in
            let issuer = self.mutable.withLock { $0.issuer }
            return json([
                "issuer": issuer, "authorization_endpoint": issuer + "/authorize", "token_endpoint": issuer + "/token",
                "jwks_uri": issuer + "/jwks", "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            ])
        }
        router.get("jwks") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: self.jwks)))
        }
        router.get("authorize") { request, _ in self.authorize(request) }
        router.post("token") { request, _ in try await self.token(request) }
    }

    private func authorize(_ request: Request) -> Response {
        let query = Dictionary(
            request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
        let (identity, misbehaviour) = mutable.withLock {
            $0.authorizeRequests.append(query)
            return ($0.identity, $0.misbehaviour)
        }
        guard query["response_type"] == "code", query["client_id"] == clientID, let redirectURI = query["redirect_uri"],
            let state = query["state"], let nonce = query["nonce"], let challenge = query["code_challenge"],
            query["code_challenge_method"] == "S256", query["scope"]?.split(separator: " ").contains("openid") == true
        else {
            return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "invalid authorization request")))
        }
        var components = URLComponents(string: redirectURI)
        if misbehaviour == .userDenies {
            components?.queryItems = [URLQueryItem(name: "error", value: "access_denied"), URLQueryItem(name: "state", value: state)]
        } else {
            let code = base64URL(Data((0..<24).map { _ in UInt8.random(in: 0...255) }))
            mutable.withLock {
                $0.grants[code] = Grant(
                    redirectURI: redirectURI, codeChallenge: challenge, nonce: nonce, identity: identity, misbehaviour: misbehaviour)
            }
            components?.queryItems = [URLQueryItem(name: "code", value: code), URLQueryItem(name: "state", value: state)]
        }
        return Response(status: .found, headers: [.location: components?.url?.absoluteString ?? redirectURI])
    }

    private func token(_ request: Request) async throws -> Response {
        let text = String(buffer: try await request.body.collect(upTo: 65_536))
        var form: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            form[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        let (grant, issuer) = mutable.withLock { state -> (Grant?, String) in
            state.tokenRequestCount += 1
            // A code is good for one request, whatever its outcome.
            return (form["code"].flatMap { state.grants.removeValue(forKey: $0) }, state.issuer)
        }
        guard form["grant_type"] == "authorization_code", form["client_id"] == clientID,
            form["client_secret"] == clientSecret
        else { return oauthError("invalid_client") }
        guard let grant, form["redirect_uri"] == grant.redirectURI, let verifier = form["code_verifier"],
            base64URL(Data(SHA256.hash(data: Data(verifier.utf8)))) == grant.codeChallenge
        else { return oauthError("invalid_grant") }

        let now = Date()
        let claims = FakeIDTokenClaims(
            iss: IssuerClaim(value: grant.misbehaviour == .wrongIssuer ? "https://evil.example.net" : issuer),
            sub: SubjectClaim(value: grant.identity.subject),
            aud: AudienceClaim(value: grant.misbehaviour == .wrongAudience ? "someone-else" : clientID),
            exp: ExpirationClaim(value: grant.misbehaviour == .expired ? now.addingTimeInterval(-60) : now.addingTimeInterval(3600)),
            iat: IssuedAtClaim(value: now.addingTimeInterval(grant.misbehaviour == .expired ? -3700 : 0)),
            nonce: grant.misbehaviour == .wrongNonce ? "another-nonce" : grant.nonce, email: grant.identity.email,
            email_verified: grant.identity.emailVerified, name: grant.identity.name)
        let idToken: String
        switch grant.misbehaviour {
        case .foreignKey:
            idToken = try await foreignKeys.sign(claims, kid: JWKIdentifier(string: ProviderState.keyID))
        case .unsigned:
            let header = base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
            idToken = header + "." + base64URL(try JSONEncoder().encode(claims)) + "."
        default:
            idToken = try await signingKeys.sign(claims, kid: JWKIdentifier(string: ProviderState.keyID))
        }
        return json(["access_token": "fake-access-token", "token_type": "Bearer", "expires_in": 3600, "id_token": idToken])
    }
}

private struct FakeIDTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var nonce: String
    var email: String?
    var email_verified: Bool
    var name: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

private func oauthError(_ code: String) -> Response {
    var response = json(["error": code])
    response.status = .badRequest
    return response
}

private func json(_ object: [String: Any]) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

private func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
