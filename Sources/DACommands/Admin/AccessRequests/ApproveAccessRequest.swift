import ArgumentParser

extension Admin.AccessRequests {
    /// `da admin access-requests approve`.
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve", abstract: "Approve a request: the user gets read access to the table.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The request's id.")
        var id: String

        func run() async throws {
            try await Admin.AccessRequests.review(id: id, approve: true, options: options)
        }
    }
}
