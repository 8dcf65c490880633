import AnalystCore
import Hummingbird

extension PasswordError: DetailedHTTPError {
    public var status: HTTPResponse.Status {
        switch self {
        case .tooShort: .unprocessableContent
        case .hashingFailed: .internalServerError
        }
    }
}
