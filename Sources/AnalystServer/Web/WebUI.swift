import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird

/// What every page controller shares: the templates, the static files, the instance's branding and the form
/// tokens. Builds the frame the layout draws (navigation for the viewer's role, the form token, notices) and turns
/// a page's values into a response.
struct WebUI: Sendable {
    let templates: WebTemplates
    let assets: WebAssets
    let branding: WebBranding
    let tokens: TokenService

    /// One entry of the main navigation.
    struct NavLink: Sendable {
        let label: String
        let href: String
        /// `aria-current="page"` on the link of the page shown.
        let current: Bool
    }

    /// One option of a menu (`<select>`) or one entry of a list of facts.
    struct Choice: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }

    /// The signed-in user as the layout shows them.
    struct Viewer: Sendable {
        let name: String
        let email: String
        let role: String
    }

    /// What the layout draws around every page (the template reads it as `frame`).
    struct Frame: Sendable {
        let title: String
        let instanceName: String
        let subtitle: String?
        let viewer: Viewer?
        let nav: [NavLink]
        /// The CSRF token every state-changing form carries as `_csrf`.
        let formToken: String?
        let styles: [String]
        let script: String
        let favicon: String
        /// A message about what just happened, and an error message (both plain text).
        let notice: String?
        let problem: String?
    }

    /// The root a template renders: `frame` for the layout, `page` for the page's own values.
    struct Context<Page: Sendable>: Sendable {
        let frame: Frame
        let page: Page
    }

    /// The main navigation for `role`: what a page hidden here may not be reached by is enforced by the routes.
    static func navigation(for role: Role?, path: String) -> [NavLink] {
        guard let role else { return [] }
        var links: [(String, String)] = [("Dashboard", "/dashboard"), ("Catalog", "/catalog"), ("Memory", "/memory")]
        if role >= .kmAdmin { links.append(("Review", "/memory/review")) }
        if role >= .admin {
            links += [
                ("Users", "/admin/users"), ("Tables", "/admin/tables"), ("Permissions", "/admin/permissions"),
                ("Scripts", "/admin/scripts"), ("Activity", "/activity"),
            ]
        }
        let current = links.map(\.1).filter { path == $0 || path.hasPrefix($0 + "/") }.max { $0.count < $1.count }
        return links.map { NavLink(label: $0.0, href: $0.1, current: $0.1 == current) }
    }

    /// The frame for a request: its user (if signed in), navigation and form token.
    func frame(title: String, context: AppRequestContext, request: Request, notice: String? = nil, problem: String? = nil)
        -> Frame
    {
        let user = context.user
        var formToken: String?
        if case .accessToken(let claims) = context.credential { formToken = tokens.formToken(session: claims.jti.value) }
        return Frame(
            title: title, instanceName: branding.name, subtitle: branding.subtitle,
            viewer: user.map { Viewer(name: $0.name ?? $0.email, email: $0.email, role: $0.role.rawValue) },
            nav: WebUI.navigation(for: user?.role, path: request.uri.path), formToken: formToken,
            styles: [assets.path("app.css"), assets.path("theme.css")], script: assets.path("app.js"),
            favicon: assets.path("logo.svg"), notice: notice, problem: problem)
    }

    /// `page` rendered with `values` inside the layout, with the pages' security headers.
    func page<Values: Sendable>(
        _ page: WebTemplates.Page, title: String, _ values: Values, request: Request, context: AppRequestContext,
        status: HTTPResponse.Status = .ok, notice: String? = nil, problem: String? = nil
    ) throws -> Response {
        let frame = frame(title: title, context: context, request: request, notice: notice, problem: problem)
        let context = TemplateValues.prepare(Context(frame: frame, page: values)) ?? TemplateObject([:])
        let html = try templates.render(page, context)
        return Response(status: status, headers: WebTemplates.pageHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The error page: `message` (plain text) with `status`.
    func errorPage(_ message: String, status: HTTPResponse.Status, request: Request, context: AppRequestContext) throws
        -> Response
    {
        let title =
            switch status.code {
            case 403: "Not allowed"
            case 404: "Not found"
            case 400..<500: "This did not work"
            default: "Something went wrong"
            }
        return try page(
            .error, title: title, ErrorValues(message: message, code: status.code), request: request, context: context, status: status)
    }

    /// What the error page shows.
    struct ErrorValues: Sendable {
        let message: String
        let code: Int
    }

    /// Runs a form's `action`; when it is refused with a known HTTP answer (a validation, a conflict, a missing
    /// item), `again` shows the page once more with the reason and that status, so nothing typed is lost.
    static func attempt(
        _ action: () async throws -> Response, again: (_ problem: String, _ status: HTTPResponse.Status) async throws -> Response
    ) async throws -> Response {
        do {
            return try await action()
        } catch let error as APIError {
            return try await again(error.detail, error.status)
        } catch let error as any DetailedHTTPError {
            return try await again(error.description, error.status)
        } catch let error as RateLimitedError {
            return try await again(error.description, error.status)
        }
    }

    /// After a form post: 303 to `path` (Post/Redirect/Get), with `notice` (a code the page knows) in the query.
    static func redirect(to path: String, notice: String? = nil) -> Response {
        let location = notice.map { path + (path.contains("?") ? "&" : "?") + "notice=" + $0 } ?? path
        return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// The notice `?notice=<code>` names, from the page's own list (unknown codes show nothing: the URL is not a
    /// place to put text on a page).
    static func notice(_ request: Request, _ messages: [String: String]) -> String? {
        request.pageQuery["notice"].flatMap { messages[$0] }
    }
}
