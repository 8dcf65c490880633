import AnalystCore
import Hummingbird

extension KnowledgeError: DetailedHTTPError {
    public var status: HTTPResponse.Status {
        switch self {
        case .notFound: .notFound
        case .invalid: .unprocessableContent
        case .conflict: .conflict
        }
    }
}
