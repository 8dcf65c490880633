import ArgumentParser

extension Admin {
    /// `da admin access-requests`.
    struct AccessRequests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "access-requests", abstract: "Review analysts' requests for access to tables.",
            subcommands: [List.self, Approve.self, Deny.self])

        /// Approves or denies request `id` and says so.
        static func review(id: String, approve: Bool, options: ServerOptions) async throws {
            try await reportingAdminErrors(notFound: Advice.seeAccessRequests) {
                let answer = try await options.adminClient().reviewAccessRequest(id: id, approve: approve)
                if options.json { return JSONOutput.print(answer) }
                print(approve ? "Approved \(id): read access granted." : "Denied \(id).")
            }
        }
    }
}
