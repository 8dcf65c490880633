import AnalystClient
import ArgumentParser

/// Runs `body`; a `ClientError` is printed to standard error and ends the command with its exit code (1).
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ClientError {
        Terminal.printError(error.description)
        throw ExitCode(error.exitCode)
    }
}

/// Runs an admin command: a `ClientError` or `AdminError` goes to standard error with what to do next, and the
/// command ends with the error's exit code (1). `notFound` is the advice for a 404.
func reportingAdminErrors(notFound: String? = nil, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ClientError {
        Terminal.printError(error.description)
        if case .server(let status, _) = error {
            if status == 403 {
                Terminal.printError("This needs an admin account: log in as one with da auth login")
            } else if status == 404, let notFound {
                Terminal.printError(notFound)
            }
        }
        throw ExitCode(error.exitCode)
    } catch let error as AdminError {
        Terminal.printError(error.description)
        throw ExitCode(error.exitCode)
    }
}

/// What to do after a 404, by what was not found.
enum Advice {
    static let seeTables = "See the registered tables with: da admin tables list"
    static let seeAccessRequests = "See the pending requests with: da admin access-requests list"
    static let seeTokens = "See your tokens with: da admin tokens list"
}
