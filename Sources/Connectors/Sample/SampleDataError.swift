import AnalystCore

/// Generating sample data went wrong; the message names the table or file and the reason.
public struct SampleDataError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
