import AnalystCore
import Hummingbird

extension StorageError: DetailedHTTPError {
    /// The server's own storage failed: nothing the caller can fix, and the message says what the operator must.
    public var status: HTTPResponse.Status { .serviceUnavailable }
}
