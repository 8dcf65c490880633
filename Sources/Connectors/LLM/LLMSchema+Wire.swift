import AnalystCore
import Foundation

/// How a schema goes onto the wire (kept apart from `LLMSchema` itself, which only states the shape).
extension LLMSchema {
    /// The schema as a JSON value to embed in a request; invalid schema text is the caller's bug, reported as `.other`.
    func object() throws(LLMError) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw .other("the JSON schema \"\(name)\" is not a JSON object; fix the schema text in the code that asks")
        }
        return object
    }

    /// `name` as OpenAI's `json_schema.name` accepts it (`^[a-zA-Z0-9_-]{1,64}$`).
    var wireName: String {
        let cleaned = String(
            name.unicodeScalars.prefix(64).map { scalar -> Character in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == "-") ? Character(scalar) : "_"
            })
        return cleaned.isEmpty ? "response" : cleaned
    }
}
