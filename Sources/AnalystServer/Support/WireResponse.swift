import AnalystAPI
import Hummingbird

/// An answer whose body is a contract type (`Schemas.…`), written by `WireJSONEncoder` with `status`.
struct WireResponse<Body: Encodable & Sendable>: ResponseGenerator, Sendable {
    var status: HTTPResponse.Status
    var body: Body

    init(_ body: Body, status: HTTPResponse.Status = .ok) {
        self.status = status
        self.body = body
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: try WireJSONEncoder().encodeToString(body))))
    }
}
