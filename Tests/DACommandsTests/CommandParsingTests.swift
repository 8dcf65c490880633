import AnalystAPI
import ArgumentParser
import Foundation
import Testing

@testable import DACommands

/// The command tree without a server: what the options make, and which mistakes are usage errors (exit code 2).
struct CommandParsingTests {
    /// The message of the usage error parsing `arguments` gives, or `nil` when they parse.
    static func usageError(_ arguments: [String]) -> String? {
        do {
            _ = try DACommand.parseAsRoot(arguments)
            return nil
        } catch {
            return DACommand.exitCode(for: error) == .validationFailure ? DACommand.message(for: error) : "not a usage error: \(error)"
        }
    }

    @Test func tableOptionsMakeTheContractsChanges() throws {
        let update = try Admin.Tables.Update.parse(
            ["orders", "--query-mode", "remote", "--sync-strategy", "incremental", "--sync-schedule", "", "--private"])
        #expect(update.changes == Schemas.TableChanges(syncStrategy: .incremental, queryMode: .remote, syncSchedule: "", isPublic: false))
        let renamed = try Admin.Tables.Update.parse(["orders", "--name", "Orders", "--public"])
        #expect(renamed.changes == Schemas.TableChanges(name: "Orders", isPublic: true))
        let register = try Admin.Tables.Register.parse(["Sales", "--bucket", "crm"])
        #expect(register.table.changes == Schemas.TableChanges(bucket: "crm"), "the name and the files default are added by run()")
    }

    @Test func usageMistakesAreValidationErrors() {
        #expect(Self.usageError(["admin", "tables", "update", "orders"])?.contains("nothing to change") == true)
        #expect(Self.usageError(["admin", "tables", "update", "orders", "--query-mode", "sideways"])?.contains("local or remote") == true)
        #expect(Self.usageError(["admin", "tables", "register", "x", "--sync-strategy", "daily"])?.contains("full_refresh") == true)
        #expect(
            Self.usageError(["admin", "users", "set-role", "a@example.com", "superuser"])?.contains("viewer, analyst, km_admin, admin")
                == true)
        #expect(Self.usageError(["admin", "users", "add", "a@example.com", "--role", "root"]) != nil)
        #expect(Self.usageError(["admin", "permissions", "grant", "a@example.com", "orders", "--access", "write"]) != nil)
        #expect(Self.usageError(["admin", "tokens", "create", "ci", "--expires-in-days", "0"]) != nil)
        #expect(Self.usageError(["admin", "register-table", "x", "--query-mode", "sideways"]) != nil)
        #expect(Self.usageError(["sync", "--jobs", "33"]) != nil)
        #expect(Self.usageError(["sync", "--upload-only", "--no-upload"]) != nil)
        #expect(Self.usageError(["sync", "--limit-rate", "fast"]) != nil)
        #expect(Self.usageError(["query", "--limit", "0", "SELECT 1"]) != nil)
        #expect(Self.usageError(["setup", "init", "--server", "analyst.example.com"])?.contains("http:// or https://") == true)
        for fine in [
            ["admin", "tables", "update", "orders", "--private"], ["sync", "--table", "a", "--table", "b"], ["status", "--local"],
        ] {
            #expect(Self.usageError(fine) == nil, "\(fine)")
        }
    }

    @Test func newUsersAreTheContractsRequest() throws {
        let add = try Admin.Users.Add.parse(["ana@example.com", "--name", "Ana", "--role", "km_admin"])
        #expect(
            add.user.request(password: "a long password")
                == Schemas.CreateUserRequest(email: "ana@example.com", name: "Ana", role: .kmAdmin, password: "a long password"))
        let reference = try Admin.ReferenceAddUser.parse(["bob@example.com"])
        #expect(reference.user.request(password: nil) == Schemas.CreateUserRequest(email: "bob@example.com", role: .analyst))
    }

    @Test func syncOptionsReachTheLibrary() throws {
        let sync = try Sync.parse(["--table", "orders", "--jobs", "8", "--limit-rate", "2M", "--dry-run"])
        let options = sync.selection.syncOptions
        #expect(options.tables == ["orders"])
        #expect(options.jobs == 8)
        #expect(options.bytesPerSecond == 2 << 20)
        #expect(options.dryRun && !options.docsOnly && !options.noUpload)
    }

    @Test func jsonOfAServerAnswerWithMembersAdded() throws {
        let merged = try JSONOutput.merged(Data(#"{"id":"u1","email":"a@example.com"}"#.utf8), adding: ["server": "http://x"])
        #expect(merged == #"{"id":"u1","email":"a@example.com","server":"http://x"}"#)
        #expect(try JSONOutput.merged(Data("{ }\n".utf8), adding: ["server": "http://x"]) == #"{"server":"http://x"}"#)
        #expect(try JSONOutput.merged(Data("[1]".utf8), adding: ["server": "http://x"]) == "[1]", "only an object gets members")
    }

    @Test func serviceFieldsReadAsDaStatusShowsThem() {
        let check = Schemas.ServiceCheck(status: .ok, tables: 9, totalRows: 1155, staleTables: ["a", "b"])
        #expect(
            check.fields.map { "\($0.name)=\($0.value)" }
                == ["count=<null>", "detail=<null>", "stale_tables=[a, b]", "tables=9", "total_rows=1155"])
    }
}
