import Foundation
import HTTPTypes
import Hummingbird

/// The server's few HTML pages (sign-in landing, password setup): one plain layout, no scripts, strict headers.
/// Every piece of text that did not come from this file goes through `HTMLPage.escape`.
enum HTMLPage {
    /// A complete page with `title` and already-escaped `body` markup.
    static func response(status: HTTPResponse.Status = .ok, title: String, body: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · AI Data Analyst</title>
            <style>
            body { font-family: system-ui, sans-serif; background: #f5f6f8; color: #1d2330; margin: 0; }
            main { max-width: 28rem; margin: 8vh auto; background: #fff; padding: 2rem; border-radius: 12px;
                   box-shadow: 0 1px 4px rgba(0,0,0,.08); }
            h1 { font-size: 1.4rem; margin-top: 0; }
            label { display: block; margin: 1rem 0 .3rem; font-weight: 600; }
            input { width: 100%; box-sizing: border-box; padding: .6rem; border: 1px solid #c8ccd4; border-radius: 6px; }
            button, .button { display: inline-block; margin-top: 1.2rem; padding: .6rem 1.2rem; border: 0;
                   border-radius: 6px; background: #2459d6; color: #fff; font-size: 1rem; text-decoration: none; cursor: pointer; }
            .error { background: #fdecec; color: #8a1c1c; padding: .7rem; border-radius: 6px; }
            .note { color: #5a6272; font-size: .92rem; }
            code { background: #eef0f4; padding: .1rem .3rem; border-radius: 4px; }
            </style>
            </head>
            <body><main>
            <h1>\(escape(title))</h1>
            \(body)
            </main></body>
            </html>
            """
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
            .cacheControl: "no-store",
        ]
        // Links carry one-time tokens: never send them on as a Referer; never let another site frame a form.
        for (name, value) in [("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer")] {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Text made safe for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

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
