import DuckDB
import Hummingbird
import JSONWriting

/// The one writer of error bodies: `{"detail": "…"}` with `status`, the reference's shape, which both our `da` and
/// the reference's client read.
enum ErrorDetail {
    static func response(_ status: HTTPResponse.Status, _ detail: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: "{\"detail\":" + JSONText.quote(detail) + "}")))
    }
}

/// An error of the HTTP layer itself, with its status and a message for the client.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let detail: String

    public init(_ status: HTTPResponse.Status, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ErrorDetail.response(status, detail)
    }
}

/// A library error whose HTTP status is known: its `description` is the human message sent as `detail`.
public protocol DetailedHTTPError: HTTPResponseError, CustomStringConvertible {}

extension DetailedHTTPError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ErrorDetail.response(status, description)
    }
}
