import Foundation
import Hummingbird

/// The fields of an HTML form post (`application/x-www-form-urlencoded`), in order; a name may repeat (check boxes).
struct WebForm: Sendable {
    /// The largest form a page accepts.
    static let maximumBytes = 256 * 1024

    private(set) var fields: [(name: String, value: String)]

    /// Parses `text` (`a=1&b=x+y&c=%2F`); a malformed percent escape reads as an empty value.
    init(urlEncoded text: String) {
        fields = text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    /// The first value of `name`, `nil` when absent.
    subscript(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    /// The first value of `name` without surrounding white space; `nil` when absent or blank.
    func text(_ name: String) -> String? {
        let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return value.isEmpty ? nil : value
    }

    /// Every value of `name`, in order.
    func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    /// The form in a request's body; 422 for another content type, 413 past `maximumBytes`.
    static func read(from request: inout Request) async throws -> WebForm {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw APIError(.unprocessableContent, "the request body must be an HTML form (application/x-www-form-urlencoded)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maximumBytes)
        } catch {
            throw APIError(.contentTooLarge, "the form is larger than \(maximumBytes / 1024) KB")
        }
        return WebForm(urlEncoded: String(buffer: buffer))
    }
}

extension Request {
    /// The query of a page's URL read as a browser's GET form writes it: `+` is a space, `%xx` a byte
    /// (Hummingbird's `queryParameters` leaves `+` alone, so "order items" would be searched as "order+items").
    var pageQuery: WebForm { WebForm(urlEncoded: uri.query ?? "") }
}
