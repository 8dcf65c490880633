import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Prompts and output helpers for the terminal.
enum Terminal {
    /// Asks for a line on an interactive terminal; `nil` when standard input is not one.
    static func ask(_ prompt: String) -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        print(prompt, terminator: "")
        fflush(nil)  // every output stream; naming `stdout` is not concurrency-safe
        return readLine(strippingNewline: true)
    }

    /// Asks for a secret without echoing it; `nil` when there is no terminal.
    static func askSecret(_ prompt: String) -> String? {
        guard isatty(STDIN_FILENO) == 1, let raw = getpass(prompt) else { return nil }
        return String(cString: raw)
    }

    /// Whether standard error is a terminal (live progress is drawn there).
    static var isInteractiveError: Bool { isatty(STDERR_FILENO) == 1 }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Prints a JSON object or array (keys sorted).
    static func printJSON(_ value: Any) {
        let data =
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
        print(String(decoding: data, as: UTF8.self))
    }
}
