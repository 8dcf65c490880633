import ArgumentParser

extension Admin {
    /// `da admin remove-user`, the reference CLI's spelling of `users remove` (hidden).
    struct ReferenceRemoveUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-user", abstract: "Delete a user (same as: da admin users remove).", shouldDisplay: false)

        @OptionGroup var options: ServerOptions

        @Argument(help: "The user's id (or email).")
        var userID: String

        @OptionGroup var confirmation: ConfirmationOptions

        func run() async throws {
            try await Admin.removeUser(userID, yes: confirmation.yes, options: options)
        }
    }
}
