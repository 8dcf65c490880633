import Crypto
import Foundation

/// Jira's webhook signature: HMAC-SHA256 of the raw body keyed with the shared secret, sent hex-encoded in
/// `X-Hub-Signature-256` (or `X-Hub-Signature`), with or without a `sha256=` prefix.
public enum JiraWebhookSignature {
    /// Whether `header` is the signature of `body` under `secret`, compared in constant time.
    public static func isValid(_ header: String?, body: some DataProtocol, secret: String) -> Bool {
        guard var text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return false }
        if text.lowercased().hasPrefix("sha256=") { text.removeFirst("sha256=".count) }
        guard let given = bytes(hex: text) else { return false }
        let key = SymmetricKey(data: Data(secret.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: body, using: key)
    }

    /// The header value a sender would put: `sha256=<hex>` (for tests and tools).
    public static func sign(_ body: some DataProtocol, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// Bytes from hex text; `nil` when it is not hex of whole bytes.
    static func bytes(hex: String) -> Data? {
        let digits = Array(hex.utf8)
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var data = Data(capacity: digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            data.append(high << 4 | low)
            index += 2
        }
        return data
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
