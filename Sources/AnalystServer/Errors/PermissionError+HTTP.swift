import AnalystCore
import Hummingbird

extension Permissions.PermissionError: DetailedHTTPError {
    public var status: HTTPResponse.Status {
        switch self {
        case .duplicatePendingRequest: .conflict
        case .requestNotPending: .notFound
        }
    }
}
