import AnalystCore
import Hummingbird

extension ProfilerError: DetailedHTTPError {
    /// A table's data could not be profiled; the message says which step failed and how to check the table.
    public var status: HTTPResponse.Status { .internalServerError }
}
