import Foundation
import HTTPTypes
import Hummingbird

extension Request {
    /// The fields of an `application/x-www-form-urlencoded` body (first value wins); 422 for another type.
    func formFields(limit: Int = 64 * 1024) async throws -> [String: String] {
        guard headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw APIError(.unprocessableContent, "the request body must be an HTML form (application/x-www-form-urlencoded)")
        }
        let text = String(buffer: try await body.collect(upTo: limit))
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first, fields[name] == nil else { continue }
            fields[name] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}
