/// Text from users (names, emails, titles) made safe for Telegram's legacy Markdown (`parse_mode: Markdown`), where
/// `_`, `*`, `` ` `` and `[` start entities and `\` escapes them outside an entity.
public enum TelegramMarkdown {
    static let special: Set<Character> = ["_", "*", "`", "["]

    /// `text` with every markup character escaped, shown as written.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if special.contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// `text` in bold. Escapes are not allowed inside an entity, so markup characters are left outside it, escaped:
    /// `a_b` becomes `*a*\_*b*`.
    public static func bold(_ text: String) -> String {
        var result = ""
        var run = ""
        func flush() {
            if !run.isEmpty { result += "*" + run + "*" }
            run = ""
        }
        for character in text {
            if special.contains(character) {
                flush()
                result += "\\" + String(character)
            } else {
                run.append(character)
            }
        }
        flush()
        return result
    }
}
