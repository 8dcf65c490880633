import AnalystAPI
import Foundation
import Testing

@testable import AnalystClient

/// `APIClient`'s typed calls against canned answers: what a good answer decodes to, what a bad one is reported as,
/// and what request bodies look like on the wire.
@Suite(.serialized)
struct TypedAPIClientTests {
    static let user = #"{"id":"u1","email":"ana@example.com","name":null,"role":"analyst","created_at":"2026-11-22T00:47:38.196Z"}"#

    @Test func aGoodAnswerDecodesIntoTheContractsType() async throws {
        let server = try CannedHTTPServer(body: "[" + Self.user + "]")
        let users = try await APIClient(server: server.url, token: "t").get("/api/users", as: [Schemas.User].self)
        #expect(users.map(\.email) == ["ana@example.com"])
        #expect(users.first?.role == .analyst)
        #expect(users.first?.createdAt.map(WireJSONEncoder.timestamp) == "2026-11-22T00:47:38.196Z")
        #expect(server.requests.first?.line == "GET /api/users HTTP/1.1")
    }

    @Test func anAnswerThatIsNotJSONSaysWhichAnswerCouldNotBeRead() async throws {
        let server = try CannedHTTPServer(body: "<html>proxy error</html>")
        let error = await #expect(throws: ClientError.self) {
            try await APIClient(server: server.url, token: "t").get("/api/users", as: [Schemas.User].self)
        }
        #expect(error == .unreadableAnswer(request: "GET /api/users", reason: "it is not JSON"))
        #expect(error?.description.contains("Cannot read the server's answer to GET /api/users") == true)
        #expect(error?.exitCode == 1)
    }

    @Test func aMissingOrWrongFieldIsNamed() async throws {
        let missing = try CannedHTTPServer(body: #"[{"id":"u1","role":"admin"}]"#)
        let noEmail = await #expect(throws: ClientError.self) {
            try await APIClient(server: missing.url, token: "t").get("/api/users", as: [Schemas.User].self)
        }
        #expect(noEmail == .unreadableAnswer(request: "GET /api/users", reason: #"field "[0].email" is missing"#))

        let wrong = try CannedHTTPServer(body: #"{"id":"u1","email":"a@example.com","role":"superuser"}"#)
        let badRole = await #expect(throws: ClientError.self) {
            try await APIClient(server: wrong.url, token: "t").send(.POST, "/api/users", as: Schemas.User.self)
        }
        guard case .unreadableAnswer(let request, let reason) = badRole else {
            Issue.record("not an unreadable answer: \(String(describing: badRole))")
            return
        }
        #expect(request == "POST /api/users")
        #expect(reason.hasPrefix(#"field "role""#), "\(reason)")
    }

    @Test func anErrorAnswerIsTheServersDetail() async throws {
        let server = try CannedHTTPServer(status: 403, body: #"{"detail":"Admin access required"}"#)
        let error = await #expect(throws: ClientError.self) {
            try await APIClient(server: server.url, token: "t").get("/api/users", as: [Schemas.User].self)
        }
        #expect(error == .server(status: 403, detail: "Admin access required"))
    }

    @Test func requestBodiesAreTheContractsTypesWithNullForAbsentFields() async throws {
        let server = try CannedHTTPServer(status: 201, body: Self.user)
        let answer = try await APIClient(server: server.url, token: "t").exchange(
            .POST, "/api/users", body: Schemas.CreateUserRequest(email: "ana@example.com", role: .analyst), as: Schemas.User.self)
        #expect(answer.value.id == "u1")
        #expect(String(decoding: answer.body, as: UTF8.self) == Self.user, "the server's bytes, unchanged")
        #expect(server.requests.first?.body == #"{"email":"ana@example.com","name":null,"role":"analyst","password":null}"#)
    }

    @Test func registryChangesAreTableChanges() async throws {
        let server = try CannedHTTPServer(body: #"{"id":"orders","updated":["description","is_public"]}"#)
        let client = AdminClient(api: APIClient(server: server.url, token: "t"))
        let answer = try await client.updateTable(id: "orders", Schemas.TableChanges(description: "Orders", isPublic: false))
        #expect(answer.value.updated == [.description, .isPublic])
        let body = try #require(server.requests.first?.body)
        let sent = try JSONDecoder().decode(Schemas.TableChanges.self, from: Data(body.utf8))
        #expect(sent == Schemas.TableChanges(description: "Orders", isPublic: false), "absent fields are null: left as they are")
        #expect(server.requests.first?.line == "PUT /api/admin/registry/orders HTTP/1.1")
    }

    @Test func healthTimesWithAnOffsetAndWithoutFractions() throws {
        let services =
            #"{"duckdb_state":{"status":"ok"},"data":{"status":"warning","stale_tables":["a"]},"users":{"status":"ok","count":2}}"#
        for time in ["2026-11-21T10:00:00.123+00:00", "2026-11-21T10:00:00Z"] {
            let body = Data(#"{"status":"degraded","timestamp":"\#(time)","services":\#(services)}"#.utf8)
            let health = try APIClient.decode(Schemas.HealthReport.self, from: body, request: "GET /api/health")
            #expect(health.status == .degraded)
            #expect(health.services.data.staleTables == ["a"])
            #expect(WireJSONEncoder.timestamp(health.timestamp).hasPrefix("2026-11-21T10:00:00."))
        }
    }

    @Test func wireTimesReadBackAsTheServerWroteThem() throws {
        for millisecond in 0..<1000 {
            let text = String(format: "2026-12-06T07:52:08.%03dZ", millisecond)
            let date = try #require(try? JSONDecoder.wire().decode([Date].self, from: Data("[\"\(text)\"]".utf8)).first)
            #expect(WireJSONEncoder.timestamp(date) == text)
        }
    }

    @Test func remoteQueryCellsReadLikeTheServersJSON() async throws {
        let body = #"""
            {"columns":["d","dec","whole","n","l","s","t","b"],"types":["DOUBLE","DECIMAL(10,2)","DECIMAL(10,0)","INTEGER","INTEGER[]",
            "STRUCT(a INTEGER)","VARCHAR","BOOLEAN"],"rows":[[1.5,2.00,7,null,[1,2],{"b":2,"a":1},"x/y",true]],"row_count":1,"truncated":true}
            """#
        let server = try CannedHTTPServer(body: body)
        let result = try await QueryRunner(workspace: Workspace(path: "/nonexistent"))
            .remote("SELECT 1", limit: 5, client: APIClient(server: server.url, token: "t"))
        #expect(result.columns == ["d", "dec", "whole", "n", "l", "s", "t", "b"])
        #expect(result.rows == [["1.5", "2.0", "7", nil, "[1,2]", #"{"a":1,"b":2}"#, "x/y", "true"]])
        #expect(result.literals == [["1.5", "2", "7", "null", "[1,2]", #"{"a":1,"b":2}"#, #""x/y""#, "true"]])
        #expect(result.truncated)
        #expect(server.requests.first?.body == #"{"sql":"SELECT 1","limit":5}"#)
    }

    @Test func profilesAreReadLeniently() throws {
        let profile = #"""
            {"description":"Orders","row_count":100,"profiled_at":null,"last_sync":"2026-12-06T07:52:08Z",
             "alerts":[{"message":"order_id has all unique values"},{"message":42},"not an alert"],
             "columns":[{"name":"status","type":"VARCHAR","completeness_pct":100,
                         "string_stats":{"top_values":[{"value":"web","pct":55},{"value":null,"pct":1},{"value":"api"}]}},
                        {"name":"amount","type":"DECIMAL(12,2)","sample_values":["0.00",1.5,null]},
                        {"type":"VARCHAR"}],
             "sample_rows":[{"status":"web","amount":"0.00"}]}
            """#
        let highlights = try JSONDecoder().decode(ProfileHighlights.self, from: Data(profile.utf8))
        #expect(highlights.alerts == ["order_id has all unique values"], "an alert without a text message is left out")
        #expect(highlights.profiledAt == "2026-12-06T07:52:08Z")
        #expect(highlights.rowCount == 100)
        #expect(highlights.columns.map(\.name) == ["status", "amount"], "a column without a name is skipped")
        #expect(highlights.columns.first?.topValues == ["web (55%)", "api"])
        #expect(highlights.columns.last?.topValues == ["0.00", "1.5"])
        #expect(highlights.sampleRows.first?["amount"]?.text == "0.00")

        var overview = TableOverview(table: "orders", source: "local", rowCount: 100, sample: ResultTable(columns: [], rows: []))
        overview.columns = [.init(name: "status", type: "VARCHAR", nullable: true)]
        highlights.apply(to: &overview)
        #expect(overview.description == "Orders")
        #expect(overview.columns.map(\.name) == ["status", "amount"])
        #expect(overview.columns.first?.completenessPct == 100)
        let json = try WireJSONEncoder().encodeToString(overview)
        #expect(
            json.hasPrefix(
                #"{"alerts":["order_id has all unique values"],"columns":[{"completeness_pct":100,"name":"status","nullable":true,"#
                    + #""top_values":["web (55%)","api"],"type":"VARCHAR"},{"name":"amount","nullable":null,"#))
        #expect(json.hasSuffix(#""sample_rows":[],"source":"local","table":"orders"}"#))
    }

    @Test func jsonValuesAsCellsAndLiterals() throws {
        let values = try JSONDecoder().decode([JSONValue].self, from: Data(#"[null,true,3,2.5,1e20,"a\"b",[1,"x"],{"z":1,"a":[]}]"#.utf8))
        #expect(values.map(\.text) == [nil, "true", "3", "2.5", "1e+20", "a\"b", #"[1,"x"]"#, #"{"a":[],"z":1}"#])
        #expect(values.map(\.literal) == ["null", "true", "3", "2.5", "1e+20", #""a\"b""#, #"[1,"x"]"#, #"{"a":[],"z":1}"#])
        #expect(try WireJSONEncoder().encodeToString(values) == #"[null,true,3,2.5,1e+20,"a\"b",[1,"x"],{"a":[],"z":1}]"#)
    }
}
