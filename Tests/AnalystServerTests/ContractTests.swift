import AnalystAPI
import AnalystCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import Yams

@testable import AnalystServer

/// One operation of `openapi.yaml`.
struct ContractOperation: CustomStringConvertible, Sendable {
    var method: String
    var path: String
    var operationID: String
    /// `public`, or the least role admitted (`viewer` = any signed-in user).
    var minimumRole: String
    var hasRequestBody: Bool
    /// An HTML page (tag `pages`): a stranger is sent to the sign-in page, a refusal is an error page.
    var isPage: Bool = false

    var description: String { "\(method) \(path) (\(operationID))" }

    /// The operations of the contract the server ships.
    static func all() throws -> [ContractOperation] {
        let document = try #require(try Yams.load(yaml: try APIContract.document()) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: [ContractOperation] = []
        for (path, item) in paths {
            for (method, value) in item {
                guard ["get", "put", "post", "delete", "patch", "head", "options"].contains(method),
                    let operation = value as? [String: Any]
                else { continue }
                operations.append(
                    ContractOperation(
                        method: method.uppercased(), path: path, operationID: operation["operationId"] as? String ?? "",
                        minimumRole: operation["x-minimum-role"] as? String ?? "", hasRequestBody: operation["requestBody"] != nil,
                        isPage: (operation["tags"] as? [String])?.contains("pages") == true))
            }
        }
        return operations.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    /// The path with every parameter filled with `value` (a metric file also gets its `.yml`).
    func concretePath(_ value: String = "x") -> String {
        var result = path
        while let open = result.firstIndex(of: "{"), let close = result[open...].firstIndex(of: "}") {
            let name = result[result.index(after: open)..<close]
            result.replaceSubrange(open...close, with: name == "file" ? value + ".yml" : value)
        }
        return result
    }
}

/// The contract and the router describe the same API, and every guarded operation is guarded as the contract says.
struct ContractTests {
    static let roles: [String] = ["public", "viewer", "analyst", "km_admin", "admin"]

    @Test func everyOperationHasAnIdAKnownMinimumRoleAndMatchingSecurity() throws {
        let operations = try ContractOperation.all()
        #expect(operations.count >= 50)
        #expect(Set(operations.map(\.operationID)).count == operations.count, "operation ids are unique")
        for operation in operations {
            #expect(!operation.operationID.isEmpty, "\(operation) has an operationId")
            #expect(Self.roles.contains(operation.minimumRole), "\(operation) has an x-minimum-role")
        }
    }

    /// Sources/AnalystAPI in this checkout.
    static let apiSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/AnalystAPI")

    /// The Swift types are generated ahead of time (`make generate-api`) and committed: they must come from the
    /// document and the generator's configuration as they are now.
    @Test func theGeneratedTypesComeFromTheContractAsItIs() throws {
        let document = try Data(contentsOf: Self.apiSources.appendingPathComponent("openapi.yaml"))
        let configuration = try Data(contentsOf: Self.apiSources.appendingPathComponent("openapi-generator-config.yaml"))
        let digest = Secrets.hex(SHA256.hash(data: document + configuration))
        #expect(
            digest == APIContract.generatedFrom,
            "openapi.yaml or openapi-generator-config.yaml changed since the types were generated: run make generate-api")
        #expect(document == Data(try APIContract.document().utf8), "the server ships the same document")
    }

    /// The generator makes only the schemas its configuration lists (the operations' types were never used): a schema
    /// added to openapi.yaml and not listed would have no Swift type.
    @Test func theGeneratorIsGivenEverySchemaOfTheContract() throws {
        let document = try #require(try Yams.load(yaml: try APIContract.document()) as? [String: Any])
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let configuration = Self.apiSources.appendingPathComponent("openapi-generator-config.yaml")
        let settings = try #require(try Yams.load(yaml: try String(contentsOf: configuration, encoding: .utf8)) as? [String: Any])
        let filter = try #require(settings["filter"] as? [String: Any])
        let listed = try #require(filter["schemas"] as? [String])
        #expect(schemas.count > 100)
        // A multipart form, only an upload's request body (the generator cannot make a JSON type of its binary field).
        let multipart: Set = ["FileUpload"]
        #expect(
            Set(schemas.keys).subtracting(listed).subtracting(multipart).sorted() == [],
            "schemas of openapi.yaml missing from filter.schemas in Sources/AnalystAPI/openapi-generator-config.yaml")
        #expect(listed == listed.sorted(), "filter.schemas is sorted by name")
    }

    @Test func everyRouteIsInTheContractAndEveryOperationIsRouted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let router = buildRouter(dependencies: dependencies)
        let routed = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let contract = Set(try ContractOperation.all().map { "\($0.method) \($0.path)" })
        #expect(routed.subtracting(contract).sorted() == [], "routes missing from openapi.yaml")
        #expect(contract.subtracting(routed).sorted() == [], "operations in openapi.yaml that nothing routes")
        await dependencies.close()
    }

    /// Driven by the contract, so a new route cannot forget its guard: without credentials every non-public
    /// operation answers 401; with a role below its minimum, 403; with its minimum role, the guard lets it through.
    @Test func everyGuardedOperationRefusesStrangersAndLowerRoles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        var created: [Role: User] = [:]
        for role in Role.allCases {
            created[role] = try await dependencies.stores.users.create(
                email: "\(role.rawValue.replacingOccurrences(of: "_", with: ""))@example.com", name: nil, role: role,
                passwordHash: nil)
        }
        let users = created
        let operations = try ContractOperation.all().filter { $0.minimumRole != "public" }
        #expect(!operations.isEmpty)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            func call(_ operation: ContractOperation, as role: Role?) async throws -> TestResponse {
                var headers: HTTPFields = [:]
                if let role, let user = users[role] {
                    // A fresh token per call: an operation such as logout revokes the one it was called with.
                    headers[.authorization] =
                        "Bearer \(try await dependencies.signIn.tokens.issue(for: user, users: dependencies.stores.users))"
                }
                var body: ByteBuffer?
                if operation.hasRequestBody {
                    headers[.contentType] = "application/json"
                    body = ByteBuffer(string: "{}")
                }
                return try await client.execute(
                    uri: operation.concretePath(), method: HTTPRequest.Method(operation.method) ?? .get, headers: headers,
                    body: body)
            }
            for operation in operations {
                let stranger = try await call(operation, as: nil)
                if operation.isPage {
                    #expect(stranger.status == .seeOther, "\(operation) without credentials")
                    #expect(stranger.headers[.location]?.hasPrefix("/login") == true, "\(operation) without credentials")
                } else {
                    #expect(stranger.status == .unauthorized, "\(operation) without credentials")
                }

                let minimum = try #require(Role(rawValue: operation.minimumRole), "\(operation)")
                if let below = Role.allCases.last(where: { $0 < minimum }) {
                    let refused = try await call(operation, as: below)
                    #expect(refused.status == .forbidden, "\(operation) as \(below.rawValue)")
                    if operation.isPage {
                        #expect(String(buffer: refused.body).contains("Requires role \(minimum.rawValue) or higher"), "\(operation)")
                    } else if operation.method != "HEAD" {
                        #expect(try detail(refused) == "Requires role \(minimum.rawValue) or higher", "\(operation)")
                    }
                }
                let admitted = try await call(operation, as: minimum)
                #expect(admitted.status != .unauthorized, "\(operation) as \(minimum.rawValue)")
                if admitted.status == .forbidden, operation.isPage {
                    #expect(!String(buffer: admitted.body).contains("Requires role"), "\(operation) as \(minimum.rawValue)")
                } else if admitted.status == .forbidden, operation.method != "HEAD" {
                    #expect(try detail(admitted)?.hasPrefix("Requires role") == false, "\(operation) as \(minimum.rawValue)")
                }
            }
        }
        await dependencies.close()
    }

    @Test func theContractIsServedToSignedInUsers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let viewer = try await dependencies.stores.users.create(email: "v@example.com", name: nil, role: .viewer, passwordHash: nil)
        let token = try await dependencies.signIn.tokens.issue(for: viewer, users: dependencies.stores.users)
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            #expect(try await client.execute(uri: "/openapi.json", method: .get).status == .unauthorized)
            let response = try await client.get("/openapi.json", bearer: token)
            #expect(response.status == .ok)
            let document = try jsonObject(response)
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: Any])
            #expect(paths.count == Set(try ContractOperation.all().map(\.path)).count)
        }
        await dependencies.close()
    }
}
