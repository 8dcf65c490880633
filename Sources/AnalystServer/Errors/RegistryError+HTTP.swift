import AnalystCore
import Hummingbird

extension RegistryError: DetailedHTTPError {
    public var status: HTTPResponse.Status {
        switch self {
        case .invalidID, .emptyName, .invalidValue, .inconsistent: .unprocessableContent
        case .alreadyRegistered: .conflict
        case .notFound: .notFound
        }
    }
}
