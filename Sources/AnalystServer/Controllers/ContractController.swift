import AnalystAPI
import Foundation
import Hummingbird
import Yams

/// `GET /openapi.json` (signed in): the API contract this server was built from, as JSON.
struct ContractController {
    /// The shipped `openapi.yaml` as JSON text, converted on first use (it never changes while the process runs).
    static let json: Result<String, any Error> = Result {
        let document = try Yams.load(yaml: try APIContract.document()) ?? [:]
        let data = try JSONSerialization.data(
            withJSONObject: MetricFiles.jsonSafe(document), options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("openapi.json") { _, context -> Response in
            switch ContractController.json {
            case .success(let json):
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
            case .failure(let error):
                context.logger.error("the API contract cannot be served", metadata: ["error": "\(error)"])
                throw APIError(.internalServerError, "The API contract is not available on this server")
            }
        }
    }
}
