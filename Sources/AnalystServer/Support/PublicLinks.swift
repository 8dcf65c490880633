import Foundation
import Hummingbird

/// Absolute links to this server, for emails and admin screens.
enum PublicLinks {
    /// `publicURL` (or `http://<the request's host>`) + `path` + the query, percent-encoded.
    static func url(publicURL: String?, request: Request, path: String, query: [(String, String)]) -> String {
        let base =
            publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            ?? "http://" + (request.head.authority ?? "localhost")
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        // `+` is legal in a query but read as a space by form decoders: encode it.
        let encodedQuery = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return base + path + (encodedQuery.isEmpty ? "" : "?" + encodedQuery)
    }
}
