import AnalystCore
import Foundation
import Testing

/// Secrets in notes and transcripts are replaced before anything is stored; ordinary text is left alone.
struct SecretRedactorTests {
    static let jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1LTEyMyIsImV4cCI6MTg5MzQ1NjAwMH0.Xy3vQm0K0fJ8c1e2Qm9U1p2lQhYk3mQw9rS8tU7vW6x"

    @Test func everyKindOfSecretIsReplaced() {
        let redactor = SecretRedactor()
        let secrets: [(String, String)] = [
            ("my session is \(Self.jwt) ok", Self.jwt),
            ("curl -H 'Authorization: Bearer abc123def456ghi789' https://x", "abc123def456ghi789"),
            ("token da_pat_Q2xhdWRlIGlzIGdyZWF0IQ", "da_pat_Q2xhdWRlIGlzIGdyZWF0IQ"),
            ("ANTHROPIC_API_KEY=sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv"),
            ("push with ghp_0123456789abcdefghijABCDEFGHIJ", "ghp_0123456789abcdefghijABCDEFGHIJ"),
            ("aws AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE"),
            ("password: hunter2!", "hunter2!"),
            (#"{"db_password": "s3cr3t-value"}"#, "s3cr3t-value"),
            (#"{"text":"{\"api_key\":\"k-12345678\"}"}"#, "k-12345678"),
            ("postgres://analyst:TopSecret99@db.internal:5432/x", "TopSecret99"),
            ("my password is Tr0ub4dor&3 do not share", "Tr0ub4dor&3"),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----", "MIIEow"),
            ("KBC_TOKEN 1234-567890-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
        ]
        for (text, secret) in secrets {
            let (redacted, count) = redactor.redact(text)
            #expect(!redacted.contains(secret), "\(text) → \(redacted)")
            #expect(redacted.contains(SecretRedactor.marker) && count >= 1, "\(text)")
            let again = redactor.redact(redacted)
            #expect(again.text == redacted && again.redactions == 0, "redacting twice changes nothing: \(redacted)")
        }
    }

    @Test func ordinaryNotesAreLeftAlone() {
        let redactor = SecretRedactor()
        for text in [
            "Revenue excludes refunds; use net_revenue from finance.orders.",
            "The token expiration is one hour, refresh before that.",
            "The password reset flow sends an email.",
            "max_tokens: 8192 is the limit for the catalog refresh",
            "Ünïcödé notes ✓ and a URL https://example.com/path?a=1",
        ] {
            let (redacted, count) = redactor.redact(text)
            #expect(redacted == text && count == 0, "\(text) → \(redacted)")
        }
    }

    @Test func aTranscriptIsRedactedTheSameWhateverTheChunksAndKeepsOtherBytes() {
        let lines = [
            #"{"type":"user","timestamp":"2025-12-01T09:00:00.125Z","message":"use Bearer \#(Self.jwt)"}"#,
            #"{"type":"assistant","timestamp":"2025-12-01T09:05:00Z","message":"ok"}"#,
            #"{"type":"summary","message":"no time here"}"#,
        ]
        var bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        bytes += [0xFF, 0x00, 0xC3, 0xA9]  // not UTF-8 and no newline at the end: kept as they are
        var whole = TranscriptRedaction()
        let expected = whole.feed(bytes) + whole.finish()
        #expect(!String(decoding: expected, as: UTF8.self).contains(Self.jwt))
        #expect(Array(expected.suffix(4)) == [0xFF, 0x00, 0xC3, 0xA9])
        #expect(whole.redactions == 1)
        #expect(whole.firstEventAt == Date(timeIntervalSince1970: 1_764_579_600.125))
        #expect(whole.lastEventAt == Date(timeIntervalSince1970: 1_764_579_900))
        for size in [1, 3, 7, 64, 1000] {
            var chunked = TranscriptRedaction()
            var output: [UInt8] = []
            var index = 0
            while index < bytes.count {
                output += chunked.feed(bytes[index..<min(index + size, bytes.count)])
                index += size
            }
            output += chunked.finish()
            #expect(output == expected, "chunks of \(size)")
        }
    }

    @Test func aLineLongerThanTheBufferIsCutBetweenTokensNotInsideOne() {
        let filler = String(repeating: "word ", count: 40)
        let line = filler + Self.jwt + " " + filler + "\n"
        var redaction = TranscriptRedaction(maxLineBytes: 64)
        var output: [UInt8] = []
        for byte in line.utf8 { output += redaction.feed([byte]) }
        output += redaction.finish()
        let text = String(decoding: output, as: UTF8.self)
        #expect(!text.contains(Self.jwt.prefix(20)) && !text.contains(Self.jwt.suffix(20)), "\(text)")
        #expect(text == filler + SecretRedactor.marker + " " + filler + "\n")
    }
}
