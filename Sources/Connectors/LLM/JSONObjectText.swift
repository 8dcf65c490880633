import Foundation

/// Finds the one JSON object in a model's text answer.
enum JSONObjectText {
    /// The object's UTF-8 bytes, or `nil` when `text` holds none. Strict parsing takes the whole text (trimmed);
    /// lenient parsing (the reference's text mode) then tries a fenced ```json block, then the text from the
    /// first `{` to the last `}`.
    static func parse(_ text: String, lenient: Bool) -> Data? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let json = object(trimmed) { return json }
        guard lenient else { return nil }
        if let fenced = fenced(trimmed), let json = object(fenced) { return json }
        if let open = trimmed.firstIndex(of: "{"), let close = trimmed.lastIndex(of: "}"), open < close,
            let json = object(String(trimmed[open...close]))
        {
            return json
        }
        return nil
    }

    private static func object(_ text: String) -> Data? {
        let data = Data(text.utf8)
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else { return nil }
        return data
    }

    /// The body of the first ```json (or bare ```) fence.
    private static func fenced(_ text: String) -> String? {
        guard let start = text.range(of: "```json", options: .caseInsensitive) ?? text.range(of: "```") else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.range(of: "```") else { return nil }
        return String(rest[..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
