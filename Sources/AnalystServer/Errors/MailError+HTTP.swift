import Hummingbird
import Messaging

extension MailError: DetailedHTTPError {
    /// Mail could not be sent: not configured (the operator's to fix) or the mail server refused or is unreachable.
    public var status: HTTPResponse.Status {
        switch self {
        case .notConfigured, .invalidSetting: .serviceUnavailable
        case .refused, .connection: .badGateway
        }
    }
}
