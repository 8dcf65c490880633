/// Names of environment variables that configuration may point at (`connection_env`, `token_env`): upper-case
/// ASCII letters, digits and underscores, not starting with a digit, at most 128 characters.
public enum EnvironmentName {
    /// The rule in words, for error messages.
    public static let rule = "an environment variable name: upper-case letters, digits and underscores, not starting with a digit"

    public static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 128 else { return false }
        guard first == UInt8(ascii: "_") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }
}
