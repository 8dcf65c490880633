// swift-format-ignore-file
// Written by scripts/generate-api.sh (make generate-api) with the types beside it.

extension APIContract {
    /// The SHA-256 of openapi.yaml followed by openapi-generator-config.yaml, as they were when the types in
    /// GeneratedSources were generated (ContractTests compares it with the files as they are).
    public static let generatedFrom = "cb3f1c6396f4c94d7c9dc60d094cacd29979dfd33fcc51e03c10607d8df9edbc"
}
