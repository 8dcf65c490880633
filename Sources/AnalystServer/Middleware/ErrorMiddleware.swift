import Hummingbird
import Logging

/// The last stop of every error. Errors that know their HTTP answer (`HTTPResponseError`: `APIError` and the library
/// errors mapped in `Errors/`, one file per enum) answer with it; Hummingbird's own (`HTTPError`, e.g. a body over
/// its limit) get the `{"detail"}` body too; anything else is a 500 without internals. Every 5xx is logged with its
/// cause, so nothing ends as an unexplained 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            log(error, status: error.status, request: request, context: context)
            return ErrorDetail.response(error.status, error.body ?? error.status.reasonPhrase)
        } catch let error as HTTPResponseError {
            log(error, status: error.status, request: request, context: context)
            return try error.response(from: request, context: context)
        } catch {
            log(error, status: .internalServerError, request: request, context: context)
            return ErrorDetail.response(.internalServerError, "Internal Server Error")
        }
    }

    private func log(_ error: any Error, status: HTTPResponse.Status, request: Request, context: Context) {
        guard status.code >= 500 else { return }
        context.logger.error(
            "request failed", metadata: ["status": "\(status.code)", "error": "\(error)", "path": "\(request.uri.path)"])
    }
}
