import ArgumentParser

extension Admin.AccessRequests {
    /// `da admin access-requests deny`.
    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deny", abstract: "Deny a request.")

        @OptionGroup var options: ServerOptions

        @Argument(help: "The request's id.")
        var id: String

        func run() async throws {
            try await Admin.AccessRequests.review(id: id, approve: false, options: options)
        }
    }
}
