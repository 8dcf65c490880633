import AnalystCore
import DuckDB
import Foundation
import Hummingbird
import HummingbirdTesting
import Messaging
import TestSupport
import Testing

@testable import AnalystServer

/// Every library error reaches HTTP through its one mapping (`Errors/`), with a `{"detail"}` body that says what
/// happened; an error nobody mapped is a logged 500 without internals.
struct ErrorMappingTests {
    struct Unmapped: Error {}

    static let cases: [(any Error, Int, String?)] = [
        (IdentityError.emailTaken, 409, "User with this email already exists"),
        (IdentityError.userNotFound, 404, "User not found"),
        (IdentityError.bootstrapDisabled(existingUsers: 2), 403, nil),
        (PasswordError.tooShort(minimum: 10), 422, "the password must be at least 10 characters long"),
        (RegistryError.alreadyRegistered("orders"), 409, "Table 'orders' already registered"),
        (RegistryError.notFound, 404, "Table not found"),
        (Permissions.PermissionError.duplicatePendingRequest, 409, "You already have a pending request for this table"),
        (Permissions.PermissionError.requestNotPending, 404, "Request not found or already processed"),
        (SandboxError.accessDenied(table: "salaries"), 403, nil),
        (SandboxError.notASelect, 400, nil),
        (StorageError.cannotOpenDatabase(path: "/d/state/system.duckdb", reason: "locked"), 503, nil),
        (ExtractError("could not read extracts/x/extract.duckdb"), 500, "could not read extracts/x/extract.duckdb"),
        (MailError.notConfigured, 503, nil),
        (DuckDBError.poolShutDown, 503, "The server is shutting down; try again in a moment"),
        (DuckDBError.statementFailed(message: "IO Error: /secret/path", kind: .io), 500, "Internal Server Error"),
        (Unmapped(), 500, "Internal Server Error"),
    ]

    @Test func eachErrorAnswersItsStatusWithADetail() async throws {
        let logs = LogCapture()
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("fail/:index") { _, context -> String in
            let index = try context.parameters.require("index", as: Int.self)
            throw ErrorMappingTests.cases[index].0
        }
        let app = Application(router: router, logger: logs.logger())
        try await app.test(.router) { client in
            for (index, (error, status, detail)) in Self.cases.enumerated() {
                let response = try await client.execute(uri: "/fail/\(index)", method: .get)
                #expect(Int(response.status.code) == status, "\(error)")
                #expect(response.headers[.contentType] == "application/json")
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let text = try #require(body?["detail"] as? String, "\(error)")
                if let detail { #expect(text == detail, "\(error)") } else { #expect(!text.isEmpty) }
                #expect(!text.contains("/secret/path"), "DuckDB's internals stay in the log")
            }
        }
        #expect(logs.lines.contains { $0.contains("/secret/path") }, "a 500's cause is logged")
        #expect(logs.lines.contains { $0.contains("Unmapped") })
    }
}
