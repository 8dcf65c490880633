import Crypto
import Foundation

/// Random secrets and their stored form, shared by every credential the server issues.
public enum Secrets {
    /// `count` bytes from the system's cryptographically secure generator.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// What is stored for a high-entropy secret: its SHA-256 in hex (no salt or slow hash needed).
    public static func storedHash(of secret: String) -> String {
        hex(SHA256.hash(data: Data(secret.utf8)))
    }

    /// URL-safe base64 without padding (RFC 4648 §5), as OAuth and JWTs use it.
    public static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A random URL-safe secret carrying `byteCount` bytes of entropy.
    public static func urlSafeToken(byteCount: Int = 32) -> String {
        base64URL(randomBytes(byteCount))
    }

    /// The PKCE `S256` challenge for a code verifier (RFC 7636 §4.2).
    public static func pkceChallenge(for verifier: String) -> String {
        base64URL(SHA256.hash(data: Data(verifier.utf8)))
    }
}
