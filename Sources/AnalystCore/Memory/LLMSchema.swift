import Foundation

/// The JSON Schema an extraction's answer must follow, sent to the provider so the model answers in that shape.
///
/// For `openai_compat` in `strict` JSON-schema mode the schema must satisfy OpenAI's strict rules (every property
/// listed in `required`, `additionalProperties: false` on every object).
public struct LLMSchema: Sendable, Equatable {
    /// A short name for the shape, e.g. `catalog_refresh`; OpenAI-compatible servers see it (letters, digits, `_`
    /// and `-`, at most 64; other characters are replaced with `_`). Logs show it; it is never secret.
    public var name: String
    /// The JSON Schema as JSON text; must be one JSON object.
    public var json: String

    public init(name: String, json: String) {
        self.name = name
        self.json = json
    }
}
