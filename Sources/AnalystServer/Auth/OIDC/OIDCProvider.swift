import AnalystCore
import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore
import NIOFoundationCompat

/// Who the provider says signed in, after every check on the ID token passed.
struct OIDCIdentity: Sendable, Equatable {
    var subject: String
    var email: String?
    var emailVerified: Bool
    var name: String?
}

/// Why a sign-in with the provider failed (logged; the browser only sees `oauth_failed`).
struct OIDCError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The server's side of the OpenID Connect authorization-code flow with PKCE: reads the provider's discovery
/// document and signing keys (cached; keys refetched when a token names an unknown key), builds the authorization
/// URL, redeems the code at the token endpoint and verifies the ID token (RS256 signature, issuer, audience,
/// expiry, nonce).
actor OIDCProvider {
    struct Metadata: Decodable, Sendable {
        var issuer: String
        var authorization_endpoint: String
        var token_endpoint: String
        var jwks_uri: String
    }

    let settings: OIDCSettings
    private let httpClient: HTTPClient
    private var metadata: (value: Metadata, fetchedAt: ContinuousClock.Instant)?
    private var keys: (collection: JWTKeyCollection, ids: Set<String>, fetchedAt: ContinuousClock.Instant)?
    /// How long discovery and keys are reused before being read again.
    private let cacheLifetime: Duration = .seconds(3600)
    /// The shortest time between two key refetches forced by an unknown `kid` (a flood of forged tokens must not
    /// turn into a flood of requests to the provider).
    private let forcedRefreshInterval: Duration = .seconds(60)

    init(settings: OIDCSettings, httpClient: HTTPClient = .shared) {
        self.settings = settings
        self.httpClient = httpClient
    }

    /// Where to send the browser: the provider's authorization endpoint with our client id, the callback, and the
    /// per-attempt `state`, `nonce` and PKCE challenge.
    func authorizationURL(redirectURI: String, state: String, nonce: String, codeChallenge: String) async throws -> String {
        let endpoint = try await discovery().authorization_endpoint
        guard var components = URLComponents(string: endpoint) else {
            throw OIDCError("the provider's authorization_endpoint is not a URL: \(endpoint)")
        }
        components.queryItems =
            (components.queryItems ?? []) + [
                URLQueryItem(name: "response_type", value: "code"),
                URLQueryItem(name: "client_id", value: settings.clientID),
                URLQueryItem(name: "redirect_uri", value: redirectURI),
                URLQueryItem(name: "scope", value: "openid email profile"),
                URLQueryItem(name: "state", value: state),
                URLQueryItem(name: "nonce", value: nonce),
                URLQueryItem(name: "code_challenge", value: codeChallenge),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
        guard let url = components.url else { throw OIDCError("could not build the authorization URL") }
        return url.absoluteString
    }

    /// Redeems an authorization code and returns the verified identity.
    func signIn(code: String, codeVerifier: String, redirectURI: String, nonce: String) async throws -> OIDCIdentity {
        let metadata = try await discovery()
        let form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("client_id", settings.clientID), ("client_secret", settings.clientSecret), ("code_verifier", codeVerifier),
        ]
        var request = HTTPClientRequest(url: metadata.token_endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: OIDCProvider.formEncoded(form)))
        let (status, body) = try await send(request)
        guard status == 200 else {
            throw OIDCError("the token endpoint answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        struct TokenResponse: Decodable { var id_token: String? }
        guard let idToken = try? JSONDecoder().decode(TokenResponse.self, from: body).id_token else {
            throw OIDCError("the token endpoint's answer has no id_token")
        }
        return try await verify(idToken: idToken, issuer: metadata.issuer, nonce: nonce)
    }

    /// Checks an ID token's signature against the provider's keys and its claims against this sign-in.
    func verify(idToken: String, issuer: String, nonce: String, now: Date = Date()) async throws -> OIDCIdentity {
        let header = try OIDCProvider.header(of: idToken)
        guard header.alg == "RS256" else { throw OIDCError("ID token algorithm \(header.alg ?? "none") is not RS256") }
        let keys = try await signingKeys(containing: header.kid)
        let claims: IDTokenClaims
        do {
            claims = try await keys.verify(idToken, as: IDTokenClaims.self)
        } catch {
            throw OIDCError("ID token rejected: \(error)")
        }
        guard OIDCProvider.sameIssuer(claims.iss.value, issuer) else {
            throw OIDCError("ID token issuer \(claims.iss.value) is not \(issuer)")
        }
        guard claims.aud.value.contains(settings.clientID) else { throw OIDCError("ID token is not for this client") }
        if claims.aud.value.count > 1, claims.azp != settings.clientID {
            throw OIDCError("ID token has several audiences and azp is not this client")
        }
        guard claims.nonce == nonce else { throw OIDCError("ID token nonce does not match this sign-in") }
        if let issuedAt = claims.iat?.value, issuedAt > now.addingTimeInterval(300) {
            throw OIDCError("ID token is issued in the future")
        }
        return OIDCIdentity(
            subject: claims.sub.value, email: claims.email, emailVerified: claims.email_verified?.value ?? false,
            name: claims.name)
    }

    // MARK: - Discovery and keys

    private func discovery() async throws -> Metadata {
        if let metadata, metadata.fetchedAt.duration(to: .now) < cacheLifetime { return metadata.value }
        let (status, body) = try await send(HTTPClientRequest(url: settings.discoveryURL))
        guard status == 200, let value = try? JSONDecoder().decode(Metadata.self, from: body) else {
            throw OIDCError("could not read the provider's discovery document at \(settings.discoveryURL) (HTTP \(status))")
        }
        for endpoint in [value.authorization_endpoint, value.token_endpoint, value.jwks_uri] {
            guard OIDCSettings.isAcceptableEndpoint(endpoint) else {
                throw OIDCError("the discovery document names an endpoint that is not https: \(endpoint)")
            }
        }
        metadata = (value, .now)
        return value
    }

    private func signingKeys(containing kid: String?) async throws -> JWTKeyCollection {
        if let keys, keys.fetchedAt.duration(to: .now) < cacheLifetime {
            let known = kid.map { keys.ids.contains($0) } ?? true
            if known || keys.fetchedAt.duration(to: .now) < forcedRefreshInterval { return keys.collection }
        }
        let (status, body) = try await send(HTTPClientRequest(url: try await discovery().jwks_uri))
        guard status == 200 else { throw OIDCError("could not read the provider's keys (HTTP \(status))") }
        let collection = JWTKeyCollection()
        let ids: Set<String>
        do {
            let set = try JSONDecoder().decode(JWKS.self, from: body)
            try await collection.add(jwks: set)
            ids = Set(set.keys.compactMap { $0.keyIdentifier?.string })
        } catch {
            throw OIDCError("the provider's key set is not valid: \(error)")
        }
        keys = (collection, ids, .now)
        return collection
    }

    private func send(_ request: HTTPClientRequest) async throws -> (status: UInt, body: Data) {
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(settings.requestTimeout / .nanoseconds(1))))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (response.status.code, Data(buffer: body))
        } catch {
            throw OIDCError("could not reach the provider at \(request.url): \(error)")
        }
    }

    // MARK: - Helpers

    /// `application/x-www-form-urlencoded` text (spaces as `%20`, every reserved character escaped).
    static func formEncoded(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    static func header(of token: String) throws -> Header {
        guard let first = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let data = Data(base64URL: String(first)), let header = try? JSONDecoder().decode(Header.self, from: data)
        else { throw OIDCError("the ID token is not a JWT") }
        return header
    }

    /// Google's tokens say `accounts.google.com` or `https://accounts.google.com`; both are the same issuer.
    static func sameIssuer(_ claimed: String, _ expected: String) -> Bool {
        func bare(_ text: String) -> String {
            var text = text.hasPrefix("https://") ? String(text.dropFirst(8)) : text
            if text.hasSuffix("/") { text.removeLast() }
            return text
        }
        return claimed == expected || (expected.hasPrefix("https://accounts.google.com") && bare(claimed) == bare(expected))
    }
}

/// The ID token claims the server reads.
struct IDTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim?
    var azp: String?
    var nonce: String?
    var email: String?
    var email_verified: LenientBool?
    var name: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// A boolean claim some providers send as the string `"true"`.
struct LenientBool: Codable, Sendable {
    var value: Bool

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bool = try? container.decode(Bool.self) {
            value = bool
        } else {
            value = (try container.decode(String.self)).lowercased() == "true"
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension Data {
    /// Decodes URL-safe base64 with or without padding.
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
