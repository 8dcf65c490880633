import ArgumentParser

extension Admin.AccessRequests {
    /// `da admin access-requests list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the pending requests.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            try await reportingAdminErrors {
                let answer = try await options.adminClient().pendingAccessRequests()
                if options.json { return JSONOutput.print(answer) }
                TextTable.print(
                    ["ID", "USER", "TABLE", "CREATED", "REASON"],
                    answer.value.requests.map { [$0.id, $0.userEmail, $0.tableId, TextTable.time($0.createdAt), $0.reason] },
                    empty: "No pending access requests.")
            }
        }
    }
}
