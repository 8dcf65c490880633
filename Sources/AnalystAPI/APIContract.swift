import Foundation

/// The contract the wire types were generated from, as shipped with the binary.
public enum APIContract {
    /// The text of `openapi.yaml`, from this target's resource bundle (which must sit next to the executable).
    public static func document() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "openapi.yaml is not in the AnalystAPI resources"])
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
