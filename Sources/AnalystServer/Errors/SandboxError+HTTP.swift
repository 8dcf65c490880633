import AnalystCore
import Hummingbird

extension SandboxError: DetailedHTTPError {
    /// Reading a table one may not read is 403 (as the reference answered); everything else the sandbox refuses is a
    /// bad request, except a parser that cannot run at all.
    public var status: HTTPResponse.Status {
        switch self {
        case .accessDenied: .forbidden
        case .parserUnavailable: .internalServerError
        default: .badRequest
        }
    }
}
