import Foundation

/// Replaces secrets in text with `[REDACTED]` before it is stored or sent anywhere: JWTs, bearer and basic
/// credentials, this server's personal access tokens, well-known API keys (Anthropic, OpenAI, GitHub, Slack, AWS,
/// Google, Keboola), private keys, passwords in URLs and the values of `password`/`secret`/`token`/`api_key`
/// assignments — in plain text and in JSON (also JSON inside a JSON string, as transcripts hold it).
///
/// Users paste tokens into notes and transcripts record them; the reference later leaked JWTs that way.
public struct SecretRedactor: Sendable {
    /// What replaces a secret.
    public static let marker = "[REDACTED]"

    /// A pattern and which of its capture groups is the secret (0 = the whole match).
    private struct Rule: @unchecked Sendable {
        // NSRegularExpression is immutable after creation and safe to share between threads.
        let expression: NSRegularExpression
        let secretGroup: Int

        init(_ pattern: String, group: Int = 0, caseInsensitive: Bool = false) {
            do {
                expression = try NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
            } catch {
                preconditionFailure("invalid redaction pattern \(pattern): \(error)")
            }
            secretGroup = group
        }
    }

    private static let rules: [Rule] = [
        Rule(#"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"#),
        Rule(#"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"#),
        Rule(#"\bda_pat_[A-Za-z0-9_-]{8,}"#),
        Rule(#"\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}"#),
        Rule(#"\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}"#),
        Rule(#"\bxox[abprs]-[A-Za-z0-9-]{10,}"#),
        Rule(#"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"#),
        Rule(#"\bAIza[0-9A-Za-z_-]{35}"#),
        Rule(#"\b\d{1,6}-\d{1,9}-[A-Za-z0-9]{30,}\b"#),
        Rule(#"\b(?:bearer|basic|token)\s+((?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{8,})"#, group: 1, caseInsensitive: true),
        Rule(#"\b[a-z][a-z0-9+.-]*://[^/\s:@"'\\]+:([^@\s/"'\\]+)@"#, group: 1, caseInsensitive: true),
        Rule(
            #"\b(?:[a-z0-9_-]*password|passwd|pwd|passphrase|[a-z0-9_-]*secret|[a-z0-9_-]*api[_-]?key|[a-z0-9_-]*access[_-]?key|[a-z0-9_-]*token)\b\\?["']?\s*[:=]\s*\\?["']?([^\s"'\\,;}\[\]][^\s"'\\,;}\]]{2,})"#,
            group: 1, caseInsensitive: true),
        Rule(#"\bpassword\s+is\s+([^\s"'\\,;\[][^\s"'\\,;]{3,})"#, group: 1, caseInsensitive: true),
    ]

    public init() {}

    /// `text` with every secret replaced, and how many were.
    public func redact(_ text: String) -> (text: String, redactions: Int) {
        var result = text
        var count = 0
        for rule in Self.rules {
            let matches = rule.expression.matches(in: result, range: NSRange(result.startIndex..., in: result))
            // Back to front, so earlier ranges stay valid.
            for match in matches.reversed() {
                guard let range = Range(match.range(at: rule.secretGroup), in: result), result[range] != Self.marker else { continue }
                result.replaceSubrange(range, with: Self.marker)
                count += 1
            }
        }
        return (result, count)
    }

    /// Whether `text` holds anything `redact` would replace.
    public func containsSecret(_ text: String) -> Bool {
        redact(text).redactions > 0
    }
}
