import AnalystCore
import DuckDB
import Hummingbird
import Logging

/// Turns every error into the reference's error body `{"detail": "…"}` with the right status, so both our
/// `da` and the reference's client understand it. Unexpected errors become a logged 500 without internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as IdentityError {
            return try APIError(error.status, error.description).response(from: request, context: context)
        } catch let error as PasswordError {
            return try APIError(error.status, error.description).response(from: request, context: context)
        } catch let error as RegistryError {
            return try APIError(error.status, error.description).response(from: request, context: context)
        } catch let error as HTTPError {
            let detail = error.body ?? error.status.reasonPhrase
            return try APIError(error.status, detail).response(from: request, context: context)
        } catch let error as HTTPResponseError {
            return try error.response(from: request, context: context)
        } catch {
            context.logger.error(
                "unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return try APIError(.internalServerError, "Internal Server Error").response(from: request, context: context)
        }
    }
}

/// An error with an HTTP status and a message for the client, sent as `{"detail": message}`.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let detail: String

    public init(_ status: HTTPResponse.Status, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = "{\"detail\":" + JSONText.quote(detail) + "}"
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension IdentityError {
    /// The HTTP status for this failure.
    var status: HTTPResponse.Status {
        switch self {
        case .emailTaken, .lastAdmin: .conflict
        case .userNotFound: .notFound
        case .invalidEmail, .unknownRole: .unprocessableContent
        case .bootstrapDisabled: .forbidden
        }
    }
}

extension PasswordError {
    var status: HTTPResponse.Status {
        switch self {
        case .tooShort: .unprocessableContent
        case .hashingFailed: .internalServerError
        }
    }
}

extension RegistryError {
    var status: HTTPResponse.Status {
        switch self {
        case .invalidID, .emptyName, .invalidValue: .unprocessableContent
        case .alreadyRegistered: .conflict
        case .notFound: .notFound
        }
    }
}

extension SandboxError {
    /// Reading a table one may not read is 403 (as the reference answered); everything else the sandbox refuses is a
    /// bad request, except a parser that cannot run at all.
    var status: HTTPResponse.Status {
        switch self {
        case .accessDenied: .forbidden
        case .parserUnavailable: .internalServerError
        default: .badRequest
        }
    }
}
