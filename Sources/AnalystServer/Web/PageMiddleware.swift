import AnalystCore
import Foundation
import Hummingbird
import Logging

/// Signs in the browser for the pages behind it (the `access_token` cookie, or a bearer token) and guards their
/// forms. Without a valid session a page answers 303 to `/login?next=<the page>`.
///
/// Every form post must come from this server twice over: its `Origin` (or `Referer`) is this server, and it
/// carries the session's form token (`_csrf`). Either missing and nothing runs: 403 with a page that says to reload.
/// Bearer-token requests carry no ambient authority and skip the form token.
struct PageSessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authentication: AuthenticationMiddleware
    let ui: WebUI
    var tokens: TokenService { ui.tokens }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let (token, fromCookie) = AuthenticationMiddleware.token(from: request),
            let (user, credential) = try? await authentication.authenticate(token)
        else {
            return PageSessionMiddleware.toLogin(from: request)
        }
        var context = context
        context.user = user
        context.credential = credential
        context.identity.userID = user.id
        guard request.method == .post else { return try await next(request, context) }
        var request = request
        let isForm = request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        // Another body (a bearer client's mistake) is refused by the page after its role check: 422, not a 403.
        let form = isForm ? try await WebForm.read(from: &request) : nil
        if fromCookie {
            // Refused here with the viewer known, so the error page keeps their header.
            guard AuthenticationMiddleware.isSameOriginOrSafe(request) else {
                return try ui.errorPage(
                    "This form was sent from another site, so nothing was changed.", status: .forbidden, request: request,
                    context: context)
            }
            guard case .accessToken(let claims) = credential, let formToken = form?["_csrf"],
                tokens.isFormToken(formToken, session: claims.jti.value)
            else {
                return try ui.errorPage(
                    "This form is out of date (it belongs to an earlier sign-in), so nothing was changed. Reload the page and try again.",
                    status: .forbidden, request: request, context: context)
            }
        }
        context.form = form
        return try await next(request, context)
    }

    /// 303 to the sign-in page, which returns to the page asked for (a GET) once signed in.
    static func toLogin(from request: Request) -> Response {
        var location = "/login"
        if request.method == .get, let next = LoginRedirect.safePath(request.uri.description) {
            location += "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "/dashboard")
        }
        return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

/// Turns every error of a page into the HTML error page with the error's status and message (a 5xx shows no
/// internals and is logged with its cause).
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let ui: WebUI

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try ui.errorPage(error.detail, status: error.status, request: request, context: context)
        } catch let error as any DetailedHTTPError {
            return try ui.errorPage(error.description, status: error.status, request: request, context: context)
        } catch let error as HTTPError {
            return try ui.errorPage(error.body ?? error.status.reasonPhrase, status: error.status, request: request, context: context)
        } catch {
            context.logger.error("page failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return try ui.errorPage(
                "The server could not show this page. Try again; if it keeps failing, tell your administrator.",
                status: .internalServerError, request: request, context: context)
        }
    }
}

/// Where a sign-in may send the browser afterwards: only a path on this server.
enum LoginRedirect {
    /// `path` if it is a local path (`/catalog?q=x`), `nil` for anything that could leave the site (`//host`,
    /// `/\host`, a scheme) or point at the sign-in pages themselves.
    static func safePath(_ path: String?) -> String? {
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"), !path.hasPrefix("/\\"), path.count <= 2_000,
            !path.contains(where: { $0.isNewline || $0 == "\\" }), !path.hasPrefix("/login"), !path.hasPrefix("/logout")
        else { return nil }
        return path
    }
}

extension CharacterSet {
    /// What may stand unescaped in a query value (no `&`, `=`, `+`, `#`).
    static let urlQueryValueAllowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#?/"))
}
