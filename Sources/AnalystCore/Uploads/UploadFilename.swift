/// The name an uploaded file is stored under: the client's filename without any directory part, refused (with
/// the rule it breaks) when it could not be a plain file name inside the user's directory.
public enum UploadFilename {
    /// The longest name most file systems accept, in UTF-8 bytes.
    public static let maxBytes = 255

    /// The basename of `filename` if it is a safe file name; otherwise the rule it breaks, for a 400 answer.
    public static func sanitize(_ filename: String?) -> Result<String, Refusal> {
        guard let filename else { return .failure(.missing) }
        let name = String(basename(filename))
        if let refusal = refusal(for: name) { return .failure(refusal) }
        return .success(name)
    }

    /// Whether `name` can be used as one path component as it is (for ids the server made itself).
    public static func isSafe(_ name: String) -> Bool {
        basename(name) == name && refusal(for: name) == nil
    }

    /// What follows the last `/` or `\` (clients send Windows paths too).
    private static func basename(_ path: String) -> Substring {
        path.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "\\" }.last ?? Substring(path)
    }

    private static func refusal(for name: String) -> Refusal? {
        if name.isEmpty { return .empty }
        if name == "." || name == ".." { return .dots }
        if name.hasPrefix(".") { return .hidden }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return .controlCharacters }
        if name.utf8.count > maxBytes { return .tooLong }
        return nil
    }

    /// A rule a filename breaks.
    public enum Refusal: Error, Equatable, Sendable {
        case missing, empty, dots, hidden, controlCharacters, tooLong

        /// What to fix, for the client.
        public var message: String {
            switch self {
            case .missing: "The \"file\" part has no filename: send it as a file (for example curl -F file=@<path>)"
            case .empty: "The filename is empty (a name is needed after any directory part)"
            case .dots: "The filename may not be \".\" or \"..\""
            case .hidden: "The filename may not start with \".\""
            case .controlCharacters: "The filename may not contain control characters"
            case .tooLong: "The filename may be at most \(UploadFilename.maxBytes) bytes (UTF-8)"
            }
        }
    }
}
