import Yams

/// A YAML document for `docs/` written in a fixed key order (the reference's metric format lists `name` first and
/// `sql` last). Text that YAML could read as another type (`yes`, `1.0`, `null`) is quoted, multi-line text is a
/// literal block, so every value reads back as the string it was.
public indirect enum DocYAML: Sendable {
    case text(String)
    case list([DocYAML])
    /// Keys in the order they are written.
    case mapping([(String, DocYAML)])

    /// The YAML text, ending in a newline.
    public func render() throws -> String {
        try Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true)
    }

    private var node: Node {
        switch self {
        case .text(let text):
            let style: Node.Scalar.Style
            if text.contains("\n") {
                style = .literal
            } else if DocYAML.isPlainWord(text) {
                style = .plain
            } else {
                style = .doubleQuoted
            }
            return .scalar(Node.Scalar(text, .implicit, style))
        case .list(let items):
            return .sequence(Node.Sequence(items.map(\.node)))
        case .mapping(let pairs):
            return .mapping(Node.Mapping(pairs.map { (Node.scalar(Node.Scalar($0.0, .implicit, .plain)), $0.1.node) }))
        }
    }

    /// `snake_case` words that no YAML 1.1 reader turns into a boolean or null.
    private static func isPlainWord(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        let keywords: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"]
        return !keywords.contains(text)
            && text.utf8.allSatisfy { byte in
                byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
    }
}
