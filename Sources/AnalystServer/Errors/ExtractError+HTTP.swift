import AnalystCore
import Hummingbird

extension ExtractError: DetailedHTTPError {
    /// An extract could not be written or read (a source's data, not the request): the message names the file and why.
    public var status: HTTPResponse.Status { .internalServerError }
}
