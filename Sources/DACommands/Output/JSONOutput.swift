import AnalystAPI
import AnalystClient
import Foundation

/// `--json` output: a server's answer exactly as it came, and `da`'s own results through `WireJSONEncoder`.
enum JSONOutput {
    /// Prints `value` (`WireJSONEncoder`: keys in the type's order, an absent value as `null`).
    static func print(_ value: some Encodable) throws {
        Swift.print(try WireJSONEncoder().encodeToString(value))
    }

    /// Prints the server's answer as the server sent it.
    static func print<Value>(_ answer: ServerAnswer<Value>) {
        Swift.print(text(answer.body))
    }

    /// Prints the server's answer, a JSON object, with the members of `extra` (an object) after its own.
    static func print<Value>(_ answer: ServerAnswer<Value>, adding extra: some Encodable) throws {
        Swift.print(try merged(answer.body, adding: extra))
    }

    /// The JSON object `body` with the members of `extra` after its own (`body` as it is when either is no object).
    static func merged(_ body: Data, adding extra: some Encodable) throws -> String {
        let own = text(body)
        let added = try WireJSONEncoder().encodeToString(extra)
        guard own.hasPrefix("{"), own.hasSuffix("}"), added.hasPrefix("{"), added.count > 2 else { return own }
        let members = own.dropFirst().dropLast().trimmingCharacters(in: .whitespacesAndNewlines)
        return "{" + members + (members.isEmpty ? "" : ",") + added.dropFirst()
    }

    /// `body` as text, without surrounding white space.
    private static func text(_ body: Data) -> String {
        String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
