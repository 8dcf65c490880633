import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

/// Corporate memory through HTTP: the reference's scenarios (§1.7) with its answers, plus audiences, refused
/// transitions and two km_admins acting at once.
@Suite struct MemoryRouteTests {
    struct People {
        let admin: User, km: User, ana: User, bob: User, viewer: User
        let tokens: [String: HTTPFields]
    }

    func people(_ dependencies: ServerDependencies) async throws -> People {
        let users = dependencies.stores.users
        let admin = try await users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let km = try await users.create(email: "km@example.com", name: nil, role: .kmAdmin, passwordHash: nil)
        let ana = try await users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        let bob = try await users.create(email: "bob@example.com", name: nil, role: .analyst, passwordHash: nil)
        let viewer = try await users.create(email: "vic@example.com", name: nil, role: .viewer, passwordHash: nil)
        var tokens: [String: HTTPFields] = [:]
        for user in [admin, km, ana, bob, viewer] {
            tokens[user.email] = [.authorization: "Bearer \(try await dependencies.signIn.tokens.issue(for: user, generation: 0))"]
        }
        return People(admin: admin, km: km, ana: ana, bob: bob, viewer: viewer, tokens: tokens)
    }

    func items(_ response: TestResponse) throws -> [[String: Any]] {
        try #require(try jsonObject(response)["items"] as? [[String: Any]])
    }

    @Test func theReferenceScenarios() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let people = try await people(dependencies)
        let asAna = people.tokens["ana@example.com"] ?? [:], asBob = people.tokens["bob@example.com"] ?? [:]
        let asKM = people.tokens["km@example.com"] ?? [:]
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            // Create: 201, pending; the required fields are checked.
            let created = try await client.post(
                "/api/memory",
                json:
                    #"{"title":"Revenue excludes refunds","content":"Use net_revenue.","category":"metrics","tags":["revenue","finance"]}"#,
                headers: asAna)
            #expect(created.status == .created)
            let id = try #require(try jsonObject(created)["id"] as? String)
            #expect(try jsonObject(created)["status"] as? String == "pending")
            for (body, message) in [
                (#"{"content":"x","category":"c"}"#, #"field "title" is required"#),
                (#"{"title":" ","content":"x","category":"c"}"#, "title must not be empty"),
                (#"{"title":"t","content":"x","category":"c","audience":"team:x"}"#, "audience must be all"),
            ] {
                let refused = try await client.post("/api/memory", json: body, headers: asAna)
                #expect(refused.status == .unprocessableContent)
                let said = try detail(refused) ?? ""
                #expect(said.hasPrefix(message), "\(body): \(said)")
            }

            // Vote: upsert per user, 1 or -1 only.
            let up = try await client.post("/api/memory/\(id)/vote", json: #"{"vote":1}"#, headers: asAna)
            #expect(try jsonObject(up)["upvotes"] as? Int == 1)
            _ = try await client.post("/api/memory/\(id)/vote", json: #"{"vote":-1}"#, headers: asBob)
            let changed = try await client.post("/api/memory/\(id)/vote", json: #"{"vote":-1}"#, headers: asAna)
            #expect(try jsonObject(changed)["upvotes"] as? Int == 0)
            #expect(try jsonObject(changed)["downvotes"] as? Int == 2)
            let bad = try await client.post("/api/memory/\(id)/vote", json: #"{"vote":5}"#, headers: asAna)
            #expect(bad.status == .badRequest)
            #expect((try detail(bad)) == "Vote must be 1 or -1")
            let missing = try await client.post("/api/memory/nope/vote", json: #"{"vote":1}"#, headers: asAna)
            #expect(missing.status == .notFound)
            #expect((try detail(missing)) == "Knowledge item not found")
            let mine = try jsonObject(try await client.execute(uri: "/api/memory/my-votes", method: .get, headers: asAna))
            #expect(mine[id] as? Int == -1)

            // List: score and tags as an array.
            let listed = try items(try await client.execute(uri: "/api/memory", method: .get, headers: asBob))
            let item = try #require(listed.first)
            #expect(item["tags"] as? [String] == ["revenue", "finance"])
            #expect(item["score"] as? Int == -2 && item["status"] as? String == "pending")
            #expect(item["contributors"] as? [String] == ["ana@example.com"] && item["source_user"] as? String == "ana@example.com")

            // Governance: analysts are refused with the reference's text; km_admin approves.
            let forbidden = try await client.execute(uri: "/api/memory/admin/approve?item_id=\(id)", method: .post, headers: asAna)
            #expect(forbidden.status == .forbidden)
            #expect((try detail(forbidden)) == "Requires role km_admin or higher")
            let approved = try await client.execute(uri: "/api/memory/admin/approve?item_id=\(id)", method: .post, headers: asKM)
            #expect(approved.status == .ok)
            #expect(try jsonObject(approved)["status"] as? String == "approved")
            #expect(try jsonObject(approved)["id"] as? String == id)
            let noBody = try await client.execute(uri: "/api/memory/admin/reject?item_id=\(id)", method: .post, headers: asKM)
            #expect(noBody.status == .unprocessableContent, "reject needs a JSON body, as in the reference")

            // Batch: success and not_found; an invalid action is a 400.
            let second =
                try jsonObject(
                    try await client.post(
                        "/api/memory", json: #"{"title":"Events double-count retries","content":"Dedupe by id.","category":"data"}"#,
                        headers: asBob)
                )["id"] as? String
            let batch = try await client.post(
                "/api/memory/admin/batch", json: #"{"item_ids":["\#(second ?? "")","ghost"],"action":"mandate","reason":"critical"}"#,
                headers: asKM)
            #expect(try jsonObject(batch)["success"] as? [String] == [second ?? ""])
            #expect(try jsonObject(batch)["not_found"] as? [String] == ["ghost"])
            let invalid = try await client.post("/api/memory/admin/batch", json: #"{"item_ids":["x"],"action":"delete"}"#, headers: asKM)
            #expect(invalid.status == .badRequest)
            #expect((try detail(invalid)) == "Invalid action: delete")

            // Edit lists what changed.
            let edited = try await client.post(
                "/api/memory/admin/edit?item_id=\(id)", json: #"{"content":"Use net_revenue (refunds excluded)."}"#, headers: asKM)
            #expect(try jsonObject(edited)["updated"] as? [String] == ["content"])

            // Stats and pending.
            let stats = try jsonObject(try await client.execute(uri: "/api/memory/stats", method: .get, headers: asAna))
            #expect(stats["total"] as? Int == 2 && (stats["by_status"] as? [String: Int]) == ["approved": 1, "mandatory": 1])
            #expect(stats["categories"] as? [String] == ["data", "metrics"])
            let pending = try jsonObject(try await client.execute(uri: "/api/memory/admin/pending", method: .get, headers: asKM))
            #expect(pending["count"] as? Int == 0)

            // Audit: every governance action as km_<action>, resource = item id.
            let audit = try jsonObject(try await client.execute(uri: "/api/memory/admin/audit", method: .get, headers: asKM))
            let entries = try #require(audit["entries"] as? [[String: Any]])
            #expect(Set(entries.compactMap { $0["action"] as? String }) == ["km_approve", "km_mandate", "km_edit"])
            #expect(entries.first { $0["action"] as? String == "km_approve" }?["resource"] as? String == id)
            #expect(entries.first { $0["action"] as? String == "km_mandate" }?["user_id"] as? String == people.km.id)
            let approvals = try jsonObject(
                try await client.execute(uri: "/api/memory/admin/audit?action=approve", method: .get, headers: asKM))
            #expect(approvals["count"] as? Int == 1)
        }
        await dependencies.close()
    }

    @Test func audiencesStatusesAndPaging() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let people = try await people(dependencies)
        let asAna = people.tokens["ana@example.com"] ?? [:], asBob = people.tokens["bob@example.com"] ?? [:]
        let asKM = people.tokens["km@example.com"] ?? [:], asViewer = people.tokens["vic@example.com"] ?? [:]
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            func create(_ title: String, audience: String) async throws -> String {
                let response = try await client.post(
                    "/api/memory", json: #"{"title":"\#(title)","content":"c","category":"x","audience":"\#(audience)"}"#, headers: asKM)
                return try #require(try jsonObject(response)["id"] as? String)
            }
            _ = try await create("For everyone", audience: "all")
            _ = try await create("For analysts", audience: "role:analyst")
            let forAna = try await create("For Ana", audience: "users:ANA@example.com")
            func titles(_ headers: HTTPFields, _ query: String = "") async throws -> [String] {
                try items(try await client.execute(uri: "/api/memory\(query)", method: .get, headers: headers)).compactMap {
                    $0["title"] as? String
                }.sorted()
            }
            #expect(try await titles(asAna) == ["For Ana", "For analysts", "For everyone"])
            #expect(try await titles(asBob) == ["For analysts", "For everyone"])
            #expect(try await titles(asViewer) == ["For everyone"])
            #expect(try await titles(asKM).count == 3, "km_admins see every item to govern it")
            let hidden = try await client.post("/api/memory/\(forAna)/vote", json: #"{"vote":1}"#, headers: asBob)
            #expect(hidden.status == .notFound, "an item for others cannot be voted on either")

            // Transitions that make no sense are refused with the reason; a revoked item stays revoked.
            func act(_ action: String, _ id: String, body: String = "{}") async throws -> TestResponse {
                try await client.post("/api/memory/admin/\(action)?item_id=\(id)", json: body, headers: asKM)
            }
            #expect(try await act("revoke", forAna).status == .conflict)
            #expect(try await act("approve", forAna).status == .ok)
            let twice = try await act("approve", forAna)
            #expect(twice.status == .conflict)
            #expect((try detail(twice)) == "Knowledge item is already approved")
            #expect(try await act("revoke", forAna, body: #"{"reason":"outdated"}"#).status == .ok)
            let revoked = try await act("approve", forAna)
            #expect(revoked.status == .conflict)
            #expect((try detail(revoked))?.contains("Cannot approve a revoked item") == true)
            let unknown = try await act("mandate", "ghost")
            #expect(unknown.status == .notFound)
            #expect((try detail(unknown)) == "Knowledge item not found")
            let badAudience = try await act("mandate", forAna, body: #"{"audience":"role:chief"}"#)
            #expect(badAudience.status == .unprocessableContent)

            // Rules: what each user's Claude Code follows, with the hash the manifest carries.
            let everyone = try await create("Everyone's rule", audience: "all")
            #expect(try await act("mandate", everyone).status == .ok)
            func rules(_ headers: HTTPFields) async throws -> (hash: String?, names: [String], text: String) {
                let body = try jsonObject(try await client.execute(uri: "/api/memory/rules", method: .get, headers: headers))
                let files = try #require(body["files"] as? [[String: Any]])
                return (
                    body["hash"] as? String, files.compactMap { $0["name"] as? String },
                    files.compactMap { $0["content"] as? String }.joined()
                )
            }
            let anaRules = try await rules(asAna)
            #expect(anaRules.names == ["corporate-memory-x.md"] && anaRules.text.contains("## Everyone's rule (mandatory)"))
            #expect(!anaRules.text.contains("For Ana"), "revoked items are not rules")
            let manifest = try jsonObject(try await client.execute(uri: "/api/sync/manifest", method: .get, headers: asAna))
            #expect(((manifest["assets"] as? [String: Any])?["rules"] as? [String: Any])?["hash"] as? String == anaRules.hash)
            let forAnalysts = try await create("Analysts only", audience: "role:analyst")
            #expect(try await act("approve", forAnalysts).status == .ok)
            let moreRules = try await rules(asAna)
            #expect(moreRules.hash != anaRules.hash && moreRules.text.contains("Analysts only"))
            let viewerRules = try await rules(asViewer)
            #expect(!viewerRules.text.contains("Analysts only"), "a viewer is not in role:analyst")

            // Paging applies when searching too (the reference ignored it there).
            for index in 0..<5 { _ = try await create("Churn note \(index)", audience: "all") }
            let page = try jsonObject(
                try await client.execute(uri: "/api/memory?search=churn&per_page=2&page=2", method: .get, headers: asBob))
            #expect(page["count"] as? Int == 2 && page["total"] as? Int == 5 && page["page"] as? Int == 2)
            _ = try await create("Discount 50% off", audience: "all")
            let percent = try jsonObject(try await client.execute(uri: "/api/memory?search=%25", method: .get, headers: asBob))
            #expect(percent["total"] as? Int == 1, "a % in the search is a character, not a wildcard")
            let underscore = try jsonObject(try await client.execute(uri: "/api/memory?search=5_", method: .get, headers: asBob))
            #expect(underscore["total"] as? Int == 0, "nor is _")
            for query in ["status_filter=done", "page=0", "page=121645100408832000", "per_page=500"] {
                let wrong = try await client.execute(uri: "/api/memory?\(query)", method: .get, headers: asBob)
                #expect(wrong.status == .unprocessableContent, "\(query)")
            }
        }
        await dependencies.close()
    }

    @Test func searchRanksByRelevanceAndVotesAndSeesEveryWrite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let people = try await people(dependencies)
        let asAna = people.tokens["ana@example.com"] ?? [:], asBob = people.tokens["bob@example.com"] ?? [:]
        let asKM = people.tokens["km@example.com"] ?? [:]
        try await buildApplication(dependencies: dependencies).test(.router) { client in
            func create(_ title: String, _ content: String, tags: String = "[]") async throws -> String {
                let response = try await client.post(
                    "/api/memory", json: #"{"title":"\#(title)","content":"\#(content)","category":"x","tags":\#(tags)}"#, headers: asAna)
                return try #require(try jsonObject(response)["id"] as? String)
            }
            func search(_ text: String) async throws -> [String] {
                let query = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
                return try items(try await client.execute(uri: "/api/memory?search=\(query)", method: .get, headers: asBob)).compactMap {
                    $0["title"] as? String
                }
            }
            _ = try await create("Quarterly revenue by region", "Split the revenue table by sales region.")
            _ = try await create("Events double count retries", "The events table counts every retry; deduplicate by event_id.")
            _ = try await create("Revenue excludes refunds", "Net revenue excludes refunded orders; refunds live in the refunds table.")
            _ = try await create("Marketing spend", "Spend per channel comes daily.", tags: #"["refunds"]"#)
            let ranked = try await search("revenue refunds")
            #expect(ranked.first == "Revenue excludes refunds", "\(ranked)")
            #expect(!ranked.contains("Events double count retries"), "an item with neither word does not match: \(ranked)")
            #expect(try await search("retried").first == "Events double count retries", "words are stemmed (retried ~ retry)")
            #expect(try await search("refu").contains("Revenue excludes refunds"), "a one-word prefix falls back to substrings")

            // Two items that match alike: the one analysts upvoted ranks first.
            let first = try await create("Churn definition A", "Churn is a customer without orders for 90 days.")
            let second = try await create("Churn definition B", "Churn is a customer without orders for 90 days.")
            _ = first
            for headers in [asAna, asBob, asKM] {
                #expect(try await client.post("/api/memory/\(second)/vote", json: #"{"vote":1}"#, headers: headers).status == .ok)
            }
            #expect(try await search("churn customer").first == "Churn definition B")

            // The index sees every write: an edit is found by its new words at once, and no longer by the old ones.
            let edited = try await client.post(
                "/api/memory/admin/edit?item_id=\(second)",
                json: #"{"title":"Attrition definition","content":"Attrition means no orders for 90 days."}"#, headers: asKM)
            #expect(edited.status == .ok)
            #expect(try await search("attrition") == ["Attrition definition"])
            #expect(try await search("churn customer") == ["Churn definition A"])
        }
        await dependencies.close()
    }

    @Test func editsAndVotesOfOneItemAtOnceAllSucceed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let people = try await people(dependencies)
        let store = KnowledgeStore(system: dependencies.stores.system)
        let id = try await store.create(title: "T", content: "c", category: "x", tags: [], audience: .everyone, by: people.ana)
        // DuckDB refuses the second of two concurrent updates of one row; each is retried (the contract fuzzer found
        // a 500 here with two workers editing one item).
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                group.addTask {
                    if index.isMultiple(of: 2) {
                        _ = try await store.edit(id, title: "Title \(index)", content: nil, category: nil, tags: nil, by: people.km)
                    } else {
                        _ = try await store.vote(index % 4 == 1 ? 1 : -1, on: id, by: people.ana)
                    }
                }
            }
            try await group.waitForAll()
        }
        let item = try #require(try await store.item(id, for: people.km))
        #expect(item.title.hasPrefix("Title "))
        #expect(item.upvotes + item.downvotes == 1, "one user, one vote")
        await dependencies.close()
    }

    @Test func twoKMAdminsActingAtOnceGiveOneResult() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let people = try await people(dependencies)
        let store = KnowledgeStore(system: dependencies.stores.system)
        var created: [String] = []
        for index in 0..<20 {
            created.append(
                try await store.create(title: "Item \(index)", content: "c", category: "x", tags: [], audience: .everyone, by: people.ana))
        }
        let ids = created
        // Two km_admins approve the same twenty items at the same moment: each item is approved once, by one of them,
        // and the other is told it already was.
        let outcomes = try await withThrowingTaskGroup(of: [(String, KnowledgeStore.Outcome, String)].self) { group in
            for admin in [people.km, people.admin] {
                group.addTask {
                    try await store.apply(.approve, to: ids, reason: nil, audience: nil, by: admin).map { ($0.id, $0.outcome, admin.email) }
                }
            }
            var all: [(String, KnowledgeStore.Outcome, String)] = []
            for try await part in group { all += part }
            return all
        }
        for id in ids {
            let results = outcomes.filter { $0.0 == id }
            let winners = results.filter { $0.1 == .done }
            #expect(winners.count == 1, "\(id): \(results.map(\.1))")
            #expect(results.contains { $0.1 == .refused("Knowledge item is already approved") })
            let stored = try #require(try await store.item(id, for: people.km))
            #expect(stored.status == .approved && stored.approvedBy == winners.first?.2)
        }
        await dependencies.close()
    }
}
