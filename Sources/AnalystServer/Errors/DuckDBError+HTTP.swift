import DuckDB
import Hummingbird

extension DuckDBError: HTTPResponseError {
    /// A database failure no route explained. DuckDB's own words may name files and internals, so the client gets
    /// what happened in general; the error middleware logs the cause.
    public var status: HTTPResponse.Status {
        switch self {
        case .poolShutDown: .serviceUnavailable
        case .timedOut: .gatewayTimeout
        default: .internalServerError
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        switch self {
        case .poolShutDown: ErrorDetail.response(status, "The server is shutting down; try again in a moment")
        case .timedOut: ErrorDetail.response(status, "The database did not answer in time; try again")
        default: ErrorDetail.response(status, "Internal Server Error")
        }
    }
}
