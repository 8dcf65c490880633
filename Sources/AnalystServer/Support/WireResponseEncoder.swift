import AnalystAPI
import Hummingbird

/// Writes every `Codable` answer with the contract's JSON rules (`WireJSONEncoder`: absent values as `null`).
struct WireResponseEncoder: ResponseEncoder {
    func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let text = try WireJSONEncoder().encodeToString(value)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
