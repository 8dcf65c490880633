import AnalystAPI
import Hummingbird

/// An answer whose body is a contract type (`Schemas.…`), written by `WireResponseEncoder` with `status`.
struct WireResponse<Body: Encodable & Sendable>: ResponseGenerator, Sendable {
    var status: HTTPResponse.Status
    var body: Body

    init(_ body: Body, status: HTTPResponse.Status = .ok) {
        self.status = status
        self.body = body
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try WireResponseEncoder().encode(body, from: request, context: context)
        response.status = status
        return response
    }
}
