/// What went wrong talking to BigQuery or its token endpoint. Messages never contain an access token, an assertion
/// or the private key (callers scrub what the peer echoed).
enum BigQueryError: Error, CustomStringConvertible {
    /// A 429, 5xx or rate-limit answer, retried.
    case retryable(status: UInt, message: String, retryAfter: Double?)
    /// A connection failure, retried.
    case transient(String)
    /// The access token was refused (401): renewed once, then the table fails.
    case unauthorized(String)
    /// Not retried.
    case failed(String)

    var isTransient: Bool {
        switch self {
        case .retryable, .transient: true
        case .unauthorized, .failed: false
        }
    }

    var retryAfter: Double? {
        if case .retryable(_, _, let seconds) = self { return seconds }
        return nil
    }

    /// The error as reported after the retries ran out.
    func final(subject: String) -> BigQueryError {
        switch self {
        case .retryable(let status, let message, _):
            .failed("BigQuery answered HTTP \(status) for \(subject) after retries: \(message)")
        case .transient(let message):
            .failed(message)
        case .unauthorized, .failed:
            self
        }
    }

    var description: String {
        switch self {
        case .retryable(let status, let message, _): "BigQuery answered HTTP \(status): \(message)"
        case .transient(let message), .unauthorized(let message), .failed(let message): message
        }
    }
}
