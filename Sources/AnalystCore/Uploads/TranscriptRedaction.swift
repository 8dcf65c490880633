import Foundation

/// Redacts a Claude Code transcript (JSON lines) as it streams to disk, and notes what the session index needs:
/// the first and last event times (`"timestamp"` of the lines) and how many secrets were replaced.
///
/// Secrets never span lines, so each complete line is redacted on its own. A line longer than `maxLineBytes` is
/// cut at its last byte that cannot be part of a token, so memory stays bounded and no token is split.
public struct TranscriptRedaction: Sendable {
    public private(set) var redactions = 0
    public private(set) var firstEventAt: Date?
    public private(set) var lastEventAt: Date?
    private var pending: [UInt8] = []
    private let redactor = SecretRedactor()
    private let maxLineBytes: Int

    public init(maxLineBytes: Int = 1 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// The redacted bytes of every line `bytes` completes.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        pending.append(contentsOf: bytes)
        var output: [UInt8] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            output += line(pending[start...newline])
            start = newline + 1
        }
        pending.removeFirst(start)
        // Cut after the last byte no token contains (a quote, space, comma, brace…), keeping the rest; a run of
        // token bytes is never cut (the upload's size limit bounds it).
        if pending.count > maxLineBytes, let last = pending.lastIndex(where: { !Self.isTokenByte($0) }) {
            output += line(pending[...last])
            pending.removeFirst(last + 1)
        }
        return output
    }

    /// The redacted rest after the last newline.
    public mutating func finish() -> [UInt8] {
        defer { pending = [] }
        return pending.isEmpty ? [] : line(pending[...])
    }

    /// One line, redacted. The bytes are read as Latin-1 (one character per byte) so every byte that is not part
    /// of a secret is written back unchanged, whatever the encoding; the secrets themselves are ASCII.
    private mutating func line(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        let text = String(scalars)
        if let time = Self.timestamp(in: text) {
            if firstEventAt == nil { firstEventAt = time }
            lastEventAt = time
        }
        let (redacted, count) = redactor.redact(text)
        guard count > 0 else { return Array(bytes) }
        redactions += count
        return redacted.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    }

    /// The `"timestamp":"<ISO 8601>"` of a transcript line.
    static func timestamp(in line: String) -> Date? {
        guard let key = line.range(of: #""timestamp":""#) ?? line.range(of: #""timestamp": ""#),
            let end = line[key.upperBound...].firstIndex(of: "\"")
        else { return nil }
        let value = String(line[key.upperBound..<end])
        return (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(value))
            ?? (try? Date.ISO8601FormatStyle().parse(value))
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"),
            UInt8(ascii: "="), 0x80...0xFF:
            true
        default: false
        }
    }
}
