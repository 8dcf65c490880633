import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The HTML pages' mustache templates (`Web/Resources/Templates`: `layout` and one template per page that extends
/// it), parsed once at start.
///
/// Values reach a page only through `{{name}}`, which escapes `& < > " '`: safe in text and in quoted attributes.
/// Templates never use `{{{ }}}` or `{{& }}`, never put a value into an unquoted attribute, a `<script>` or a
/// `style`, and links built from data are made in Swift (`WebFormat.segment`: path segments percent-encoded).
///
/// Two mustache rules to keep in mind: a name not found in the current object is looked up in the enclosing ones,
/// so inside a loop an optional field is read with a leading dot (`{{.description}}`) — an absent value must never
/// show the page's value of the same name; and a section shows for any string, even an empty one, so optional
/// texts are `nil` (not `""`) when absent and flags are `Bool`s (computed properties are invisible to templates).
struct WebTemplates: Sendable {
    /// A page, named after its template file.
    enum Page: String, CaseIterable, Sendable {
        case login
        case loginLinkSent = "login-link-sent"
        case logoutRefused = "logout-refused"
        case setupPassword = "setup-password"
        case setupPasswordIncomplete = "setup-password-incomplete"
        case setupPasswordInvalid = "setup-password-invalid"
        case passwordSet = "password-set"
        case error
        case dashboard
        case catalog
        case catalogTable = "catalog-table"
        case catalogMetric = "catalog-metric"
        case memory
        case memoryReview = "memory-review"
        case memoryEdit = "memory-edit"
        case adminUsers = "admin-users"
        case adminTables = "admin-tables"
        case adminTable = "admin-table"
        case adminPermissions = "admin-permissions"
        case adminScripts = "admin-scripts"
        case activity
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

    /// `page` filled in with `context` (its `frame` drawn by the layout, its `page` by the page's template).
    func render(_ page: Page, _ context: Any) throws -> String {
        guard let html = library.render(context, withTemplate: page.rawValue) else {
            // `init` checked that every page is there.
            throw TemplateError(description: "no template for the page \(page.rawValue)")
        }
        return html
    }

    /// The headers of every page: no caching (pages show personal data and one-time secrets), no framing, no
    /// cross-site Referer, no sniffing, and a Content-Security-Policy that admits only this server's own files
    /// (no inline script or style, no other host).
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .cacheControl: "no-store",
        .xFrameOptions: "DENY",
        // Same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts, and the
        // same-origin check needs the real Origin. Links with one-time tokens only ever lead to this server.
        .referrerPolicy: "same-origin",
        .xContentTypeOptions: "nosniff",
    ]
}
