import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

/// `/api/scripts` and `/api/notifications` through HTTP: the reference's scenarios, owner rules, the output
/// contract with its image and cooldown, and RBAC inside the sandbox.
@Suite(.serialized) struct ScriptsRouteTests {
    struct Fixture {
        let base: DataPlaneTests.Fixture
        let bob: HTTPFields
        let viewer: HTTPFields
        var admin: HTTPFields { [.authorization: "Bearer \(base.adminToken)"] }
        var ana: HTTPFields { [.authorization: "Bearer \(base.analystToken)"] }
    }

    func fixture(in directory: TemporaryDirectory) async throws -> Fixture {
        let base = try await DataPlaneTests().fixture(in: directory)
        let users = base.dependencies.stores.users
        let bob = try await users.create(email: "bob@example.com", name: nil, role: .analyst, passwordHash: nil)
        let viewer = try await users.create(email: "vic@example.com", name: nil, role: .viewer, passwordHash: nil)
        func bearer(_ user: User) async throws -> HTTPFields {
            [.authorization: "Bearer \(try await base.dependencies.signIn.tokens.issue(for: user, users: users))"]
        }
        return Fixture(base: base, bob: try await bearer(bob), viewer: try await bearer(viewer))
    }

    func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func theReferenceScenariosWithOwnerRules() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.base.dependencies).test(.router) { client in
            // Ad hoc: hello.
            let hello = try await client.post("/api/scripts/run", json: try json(["source": "print('hello')"]), headers: fixture.ana)
            #expect(hello.status == .ok)
            let helloBody = try jsonObject(hello)
            #expect(helloBody["name"] as? String == "adhoc" && helloBody["exit_code"] as? Int == 0)
            #expect(helloBody["stdout"] as? String == "hello\n" && helloBody["truncated"] as? Bool == false)
            // The word list answers early, in the reference's words.
            let early = try await client.post(
                "/api/scripts/run", json: try json(["source": "import subprocess\nsubprocess.run(['id'])"]), headers: fixture.ana)
            #expect(early.status == .badRequest)
            #expect(try jsonObject(early)["detail"] as? String == "Script contains disallowed pattern: import subprocess")
            let empty = try await client.post("/api/scripts/run", json: "{}", headers: fixture.ana)
            #expect(empty.status == .badRequest)
            #expect(try jsonObject(empty)["detail"] as? String == "Script source required")

            // Deploy, list, run, delete — each user sees only their own scripts.
            let deployed = try await client.post(
                "/api/scripts/deploy", json: try json(["name": "daily_check", "source": "print('checked')", "schedule": "daily 07:30"]),
                headers: fixture.ana)
            #expect(deployed.status == .created)
            let id = try #require(try jsonObject(deployed)["id"] as? String)
            #expect(try jsonObject(deployed)["schedule"] as? String == "daily 07:30")
            let again = try await client.post(
                "/api/scripts/deploy", json: try json(["name": "daily_check", "source": "print(1)"]), headers: fixture.ana)
            #expect(again.status == .conflict, "a name is unique per owner")
            #expect(
                try await client.post(
                    "/api/scripts/deploy", json: try json(["name": "daily_check", "source": "print(1)"]), headers: fixture.bob
                )
                .status == .created, "another owner may use the name")
            for (schedule, _) in [("every 0m", 0), ("daily 25:00", 0), ("61 * * * *", 0), ("sometimes", 0)] {
                let wrong = try await client.post(
                    "/api/scripts/deploy", json: try json(["name": "x", "source": "print(1)", "schedule": schedule]), headers: fixture.ana)
                #expect(wrong.status == .unprocessableContent, "\(schedule)")
            }
            let anaList = try jsonObject(try await client.execute(uri: "/api/scripts", method: .get, headers: fixture.ana))
            #expect(anaList["count"] as? Int == 1)
            let adminList = try jsonObject(try await client.execute(uri: "/api/scripts", method: .get, headers: fixture.admin))
            #expect(adminList["count"] as? Int == 2, "admins see every script")

            #expect(try await client.post("/api/scripts/\(id)/run", json: "{}", headers: fixture.bob).status == .notFound)
            #expect(try await client.execute(uri: "/api/scripts/\(id)", method: .delete, headers: fixture.bob).status == .notFound)
            #expect(
                try await client.post("/api/scripts/run", json: try json(["source": "print(1)"]), headers: fixture.viewer).status
                    == .forbidden)
            #expect(
                try await client.post("/api/scripts/deploy", json: try json(["name": "v", "source": "print(1)"]), headers: fixture.viewer)
                    .status
                    == .forbidden)
            let ran = try jsonObject(try await client.post("/api/scripts/\(id)/run", json: "{}", headers: fixture.ana))
            #expect(ran["stdout"] as? String == "checked\n")
            let byAdmin = try await client.post("/api/scripts/\(id)/run", json: "{}", headers: fixture.admin)
            #expect(byAdmin.status == .ok, "an admin may run anyone's script (as its owner)")
            let runs = try jsonObject(try await client.execute(uri: "/api/scripts/\(id)/runs", method: .get, headers: fixture.ana))
            #expect(runs["count"] as? Int == 2)
            #expect(((runs["runs"] as? [[String: Any]])?.first)?["trigger"] as? String == "manual")

            #expect(try await client.execute(uri: "/api/scripts/\(id)", method: .delete, headers: fixture.ana).status == .noContent)
            #expect(try await client.execute(uri: "/api/scripts/\(id)", method: .delete, headers: fixture.ana).status == .notFound)
        }
        await fixture.base.dependencies.close()
    }

    @Test func notificationsFollowTheContractWithImageAndCooldown() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.base.dependencies).test(.router) { client in
            let source = """
                import json
                import matplotlib.pyplot as plt
                plt.plot([3, 1, 2]); plt.savefig("/tmp/chart.png")
                print("working")
                print(json.dumps({"notify": True, "title": "Revenue", "message": "dropped 20%", "image_path": "/tmp/chart.png",
                                  "cooldown": "1h", "data": {"drop": 0.2}}))
                """
            let deployed = try jsonObject(
                try await client.post(
                    "/api/scripts/deploy", json: try json(["name": "revenue_drop", "source": source]), headers: fixture.ana))
            let id = try #require(deployed["id"] as? String)
            let first = try jsonObject(try await client.post("/api/scripts/\(id)/run", json: "{}", headers: fixture.ana))
            #expect(first["notified"] as? Bool == true && first["cooling_down"] as? Bool == false, "\(first)")
            let second = try jsonObject(try await client.post("/api/scripts/\(id)/run", json: "{}", headers: fixture.ana))
            #expect(second["notified"] as? Bool == false && second["cooling_down"] as? Bool == true, "the cooldown holds the second run")

            let list = try jsonObject(try await client.execute(uri: "/api/notifications", method: .get, headers: fixture.ana))
            let notification = try #require((list["notifications"] as? [[String: Any]])?.first)
            #expect(list["count"] as? Int == 1)
            #expect(notification["title"] as? String == "Revenue" && notification["message"] as? String == "dropped 20%")
            #expect(notification["data"] as? String == #"{"drop":0.2}"#)
            let imageURL = try #require(notification["image_url"] as? String)
            let image = try await client.execute(uri: imageURL, method: .get, headers: fixture.ana)
            #expect(image.status == .ok && image.headers[.contentType] == "image/png")
            #expect(ScriptSandbox.isPNGOrJPEG(Data(buffer: image.body)))
            #expect(try await client.execute(uri: imageURL, method: .get, headers: fixture.bob).status == .notFound, "owners only")
            let bobs = try jsonObject(try await client.execute(uri: "/api/notifications", method: .get, headers: fixture.bob))
            #expect(bobs["count"] as? Int == 0)

            // An image path outside the run's /tmp is refused, never read.
            let outside = try jsonObject(
                try await client.post(
                    "/api/scripts/run",
                    json: try json([
                        "source": "import json\nprint(json.dumps({'notify': True, 'message': 'm', 'image_path': '/etc/hostname'}))"
                    ]),
                    headers: fixture.ana))
            #expect(outside["notified"] as? Bool == true)
            let latest = try jsonObject(try await client.execute(uri: "/api/notifications?limit=1", method: .get, headers: fixture.ana))
            #expect(((latest["notifications"] as? [[String: Any]])?.first)?["image_url"] is NSNull)
        }
        await fixture.base.dependencies.close()
    }

    @Test func scheduledScriptsRunOnceWhenDue() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        let dependencies = fixture.base.dependencies
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            let deployed = try jsonObject(
                try await client.post(
                    "/api/scripts/deploy", json: try json(["name": "tick", "source": "print('tick')", "schedule": "every 1m"]),
                    headers: fixture.ana))
            let id = try #require(deployed["id"] as? String)
            let script = try #require(try await dependencies.background.scripts.store.script(id: id))
            let due = try #require(script.nextRunAt)
            #expect(due > Date() && due <= Date().addingTimeInterval(61))

            // Not due yet: nothing runs. Due: it runs once as its owner, and its next time moves on.
            let runner = dependencies.background.scripts, users = dependencies.stores.users
            await ScheduledScripts.runDue(runner: runner, users: users, logger: LogCapture().logger(), now: due.addingTimeInterval(-1))
            #expect(try await runner.store.runs(scriptID: id, limit: 10).isEmpty)
            await ScheduledScripts.runDue(runner: runner, users: users, logger: LogCapture().logger(), now: due)
            await ScheduledScripts.runDue(runner: runner, users: users, logger: LogCapture().logger(), now: due)
            let runs = try await runner.store.runs(scriptID: id, limit: 10)
            #expect(runs.count == 1 && runs.first?.trigger == "schedule" && runs.first?.exitCode == 0, "\(runs)")
            #expect(try await runner.store.script(id: id)?.nextRunAt == due.addingTimeInterval(60))
        }
        await dependencies.close()
    }

    @Test func aScriptReadsOnlyTheTablesItsOwnerMayRead() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.base.dependencies).test(.router) { client in
            try await QueryRouteTests().publish(client, fixture.admin)
            let source = """
                import duckdb
                con = duckdb.connect("/data/analytics.duckdb", read_only=True)
                print(sorted(name for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()))
                print(con.execute("SELECT count(*) FROM orders").fetchone()[0])
                """
            let asAna = try jsonObject(try await client.post("/api/scripts/run", json: try json(["source": source]), headers: fixture.ana))
            #expect(asAna["stdout"] as? String == "['orders']\n3\n", "\(asAna)")
            let asAdmin = try jsonObject(
                try await client.post("/api/scripts/run", json: try json(["source": source]), headers: fixture.admin))
            #expect(asAdmin["stdout"] as? String == "['orders', 'salaries']\n3\n", "\(asAdmin)")
        }
        await fixture.base.dependencies.close()
    }
}
