import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The server's few HTML pages, rendered from the mustache templates in this target's resources
/// (`Web/Resources/Templates`: `layout` and one template per page that extends it). No scripts, strict headers.
/// Values reach a page only through `{{name}}`, which HTML-escapes them; templates never use `{{{ }}}`.
struct WebTemplates: Sendable {
    /// A page, named after its template file.
    enum Page: String, CaseIterable, Sendable {
        case home
        case login
        case logoutRefused = "logout-refused"
        case setupPassword = "setup-password"
        case setupPasswordIncomplete = "setup-password-incomplete"
        case setupPasswordInvalid = "setup-password-invalid"
        case passwordSet = "password-set"
    }

    /// Why the templates could not be loaded or a page not rendered.
    struct TemplateError: Error, CustomStringConvertible {
        /// What went wrong, naming the file or page.
        let description: String
    }

    private let library: MustacheLibrary

    /// The templates shipped in this target's resource bundle (which must sit next to the executable).
    static func bundled() throws -> WebTemplates {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil, subdirectory: "Resources") else {
            throw TemplateError(description: "Resources/Templates is not in the AnalystServer resources (\(Bundle.module.bundlePath))")
        }
        return try WebTemplates(directory: directory)
    }

    /// Parses every `*.mustache` file in `directory` (registered under its name without the extension);
    /// fails unless `layout` and every page are among them and parse.
    init(directory: URL) throws {
        let suffix = ".mustache"
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw TemplateError(description: "cannot list the page templates in \(directory.path): \(error)")
        }
        var library = MustacheLibrary()
        for file in files.sorted() where file.hasSuffix(suffix) {
            let url = directory.appendingPathComponent(file)
            do {
                let text = try String(contentsOf: url, encoding: .utf8)
                library.register(try MustacheTemplate(string: text), named: String(file.dropLast(suffix.count)))
            } catch let error as MustacheTemplate.ParserError {
                let context = error.context
                throw TemplateError(description: "\(url.path):\(context.lineNumber):\(context.columnNumber): \(error.error)")
            } catch {
                throw TemplateError(description: "cannot read the page template \(url.path): \(error)")
            }
        }
        let missing = (["layout"] + Page.allCases.map(\.rawValue)).filter { library.getTemplate(named: $0) == nil }
        guard missing.isEmpty else {
            throw TemplateError(
                description: "missing page templates in \(directory.path): "
                    + missing.map { $0 + suffix }.joined(separator: ", "))
        }
        self.library = library
    }

    /// `page` filled in with `values` as an HTML response with the pages' headers: no caching, no framing, no
    /// Referer (links carry one-time tokens), and a Content-Security-Policy that allows no script.
    func response(_ page: Page, _ values: [String: Any] = [:], status: HTTPResponse.Status = .ok) throws -> Response {
        guard let html = library.render(values, withTemplate: page.rawValue) else {
            // `init` checked that every page is there.
            throw TemplateError(description: "no template for the page \(page.rawValue)")
        }
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
            .cacheControl: "no-store",
        ]
        for (name, value) in [("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer")] {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
