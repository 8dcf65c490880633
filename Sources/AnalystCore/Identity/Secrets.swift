import Crypto
import Foundation

/// Random secrets and their stored form, shared by every credential the server issues.
enum Secrets {
    /// `count` bytes from the system's cryptographically secure generator.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// What is stored for a high-entropy secret: its SHA-256 in hex (no salt or slow hash needed).
    static func storedHash(of secret: String) -> String {
        hex(SHA256.hash(data: Data(secret.utf8)))
    }
}
