import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Prompts and messages on the terminal.
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

    /// Writes `message` and a line break to standard error.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Asks `question` on a terminal unless `yes`; without a terminal there is nobody to ask and the answer is yes.
    /// A "no" ends the command with exit code 1.
    static func confirm(_ question: String, yes: Bool) throws {
        guard !yes, let answer = ask("\(question) [y/N] ") else { return }
        guard ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased()) else {
            printError("Cancelled: nothing was changed.")
            throw ExitCode(1)
        }
    }

    /// The first line of standard input when `enabled`; a usage error when it is empty.
    static func passwordFromStandardInput(_ enabled: Bool) throws -> String? {
        guard enabled else { return nil }
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            throw ValidationError("--password-stdin: no password on standard input")
        }
        return password
    }
}
