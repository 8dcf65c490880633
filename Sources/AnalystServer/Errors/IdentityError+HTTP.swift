import AnalystCore
import Hummingbird

extension IdentityError: DetailedHTTPError {
    public var status: HTTPResponse.Status {
        switch self {
        case .emailTaken, .lastAdmin: .conflict
        case .userNotFound: .notFound
        case .invalidEmail, .unknownRole: .unprocessableContent
        case .bootstrapDisabled: .forbidden
        }
    }
}
