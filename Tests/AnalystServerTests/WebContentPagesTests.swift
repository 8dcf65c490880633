import AnalystCore
import Connectors
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import AnalystServer

/// The catalog, corporate memory, admin and activity pages in process: what each role sees, what each form does,
/// and that attacker-controlled text (descriptions, item texts, names, audit params) stays text.
struct WebContentPagesTests {
    typealias Page = WebPagesTests

    static let hostile = #"<script>alert(1)</script>"><img src=x onerror=alert(2)> {{frame.formToken}} javascript:alert(3)"#
    /// The hostile text as the page must carry it: escaped, the template syntax left as it was.
    static let hostileEscaped =
        "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt; {{frame.formToken}} javascript:alert(3)"

    /// Registers `name` (private unless `isPublic`) with `description`, uploads `csv`, and waits for its profile.
    static func publish(
        _ client: some TestClientProtocol, _ fixture: WebPagesTests.Fixture, name: String, isPublic: Bool, description: String,
        csv: String
    ) async throws {
        let admin: HTTPFields = [.authorization: "Bearer \(try await bearer(fixture, fixture.admin))"]
        let body = try JSONSerialization.data(withJSONObject: ["name": name, "is_public": isPublic, "description": description])
        #expect(
            try await client.execute(
                uri: "/api/admin/register-table", method: .post, headers: admin.merging([.contentType: "application/json"]),
                body: ByteBuffer(bytes: body)
            ).status == .created)
        #expect(
            try await client.execute(
                uri: "/api/admin/tables/\(name)/upload", method: .post, headers: admin.merging([.contentType: "text/csv"]),
                body: ByteBuffer(string: csv)
            ).status == .created)
        let profiles = fixture.dependencies.stores.system
        try await waitFor("the profile of \(name)") {
            try await profiles.withConnection {
                try $0.query("SELECT count(*) FROM table_profiles WHERE table_id = ?", [.varchar(name)]).scalar() == .bigint(1)
            }
        }
    }

    static func bearer(_ fixture: WebPagesTests.Fixture, _ user: User) async throws -> String {
        try await fixture.dependencies.signIn.tokens.issue(for: user, users: fixture.dependencies.stores.users)
    }

    static let salariesCSV = "person,salary,hired\nana,100,2025-01-02\nbob,,2025-03-04\ncarol,300,2026-01-05\n"

    @Test func theCatalogShowsLockedTablesWithARequestFormAndReadersTheProfile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await Page().fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            try await Self.publish(client, fixture, name: "salaries", isPublic: false, description: Self.hostile, csv: Self.salariesCSV)
            try await Self.publish(client, fixture, name: "orders", isPublic: true, description: "Shop orders", csv: "id,total\n1,5\n2,7\n")

            let catalog = try await Page.get(client, "/catalog", cookie: fixture.anaCookie)
            Page.expectPage(catalog)
            let html = Page.html(catalog)
            #expect(html.contains(Self.hostileEscaped), "the description is text")
            #expect(!html.contains("<img src=x") && !html.contains("<script>alert"))
            #expect(html.contains(#"<a href="/catalog/tables/orders">orders</a>"#))
            #expect(!html.contains(#"href="/catalog/tables/salaries""#), "a locked table is not a link")
            #expect(html.contains(#"action="/catalog/tables/salaries/request-access""#))

            let filtered = Page.html(try await Page.get(client, "/catalog?access=locked", cookie: fixture.anaCookie))
            #expect(filtered.contains("1 of 2 tables") && filtered.contains("salaries") && !filtered.contains(">orders<"))
            let searched = Page.html(try await Page.get(client, "/catalog?q=SHOP", cookie: fixture.anaCookie))
            #expect(searched.contains("1 of 2 tables") && searched.contains(">orders<"))

            let locked = try await Page.get(client, "/catalog/tables/salaries", cookie: fixture.anaCookie)
            Page.expectPage(locked)
            #expect(Page.html(locked).contains("You cannot read this table yet"))
            #expect(!Page.html(locked).contains("Sample rows") && !Page.html(locked).contains("carol"), "no data for non-readers")

            let token = try Page.formToken(catalog)
            let asked = try await Page.post(
                client, "/catalog/tables/salaries/request-access", [("reason", "payroll <report>"), ("_csrf", token)],
                cookie: fixture.anaCookie)
            #expect(asked.status == .seeOther && asked.headers[.location] == "/catalog?notice=requested")
            let again = try await Page.post(
                client, "/catalog/tables/salaries/request-access", [("reason", "again"), ("_csrf", token)], cookie: fixture.anaCookie)
            Page.expectPage(again, .conflict)
            let unknown = try await Page.post(
                client, "/catalog/tables/nope/request-access", [("_csrf", token)], cookie: fixture.anaCookie)
            Page.expectPage(unknown, .notFound)
            #expect(Page.html(try await Page.get(client, "/catalog", cookie: fixture.anaCookie)).contains("requested"))

            // The admin approves on the permissions page; the analyst then reads the table.
            let permissions = try await Page.get(client, "/admin/permissions", cookie: fixture.adminCookie)
            Page.expectPage(permissions)
            #expect(Page.html(permissions).contains("payroll &lt;report&gt;"))
            let pending = try await fixture.dependencies.stores.permissions.pendingRequests()
            let request = try #require(pending.first)
            let approved = try await Page.post(
                client, "/admin/access-requests/\(request.id)/approve", [("_csrf", try Page.formToken(permissions))],
                cookie: fixture.adminCookie)
            #expect(approved.status == .seeOther)
            #expect(try await fixture.dependencies.stores.permissions.pendingRequests().isEmpty)

            let table = try await Page.get(client, "/catalog/tables/salaries", cookie: fixture.anaCookie)
            Page.expectPage(table)
            let page = Page.html(table)
            for text in [
                "Profile", "Missing values", "Distributions", "<svg class=\"chart\"", "<rect ", "Sample rows", "carol", Self.hostileEscaped,
            ] {
                #expect(page.contains(text), "\(text)")
            }
            // A column with no catalog description shows none (not the table's description through the template's
            // look-up of enclosing values).
            #expect(page.components(separatedBy: Self.hostileEscaped).count == 2, "the description appears once")
        }
        await fixture.dependencies.close()
    }

    @Test func catalogLinksAreWebAddressesOnly() {
        #expect(CatalogPages.webLink("https://catalog.example.com/table/x") == "https://catalog.example.com/table/x")
        #expect(CatalogPages.webLink("javascript:alert(1)") == nil)
        #expect(CatalogPages.webLink("JAVASCRIPT://%0Aalert(1)") == nil)
        #expect(CatalogPages.webLink("data:text/html,<script>") == nil)
        #expect(CatalogPages.webLink("//evil.example.net") == nil)
    }

    @Test func memoryProposalsVotesAndReviewGoThroughTheGovernanceRules() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await Page().fixture(in: directory)
        let store = fixture.dependencies.stores.knowledge
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let memory = try await Page.get(client, "/memory", cookie: fixture.anaCookie)
            Page.expectPage(memory)
            #expect(Page.html(memory).contains("No knowledge yet."))
            #expect(!Page.html(memory).contains("/memory/review"), "analysts are not offered the review queue")
            let token = try Page.formToken(memory)

            let empty = try await Page.post(
                client, "/memory", [("title", "T"), ("category", "c"), ("content", " "), ("_csrf", token)], cookie: fixture.anaCookie)
            Page.expectPage(empty, .unprocessableContent)
            #expect(Page.html(empty).contains("content must not be empty"))
            #expect(Page.html(empty).contains(#"id="propose-title" name="title" required maxlength="200" value="T""#), "kept")

            for title in [Self.hostile, "Refunds are excluded"] {
                let proposed = try await Page.post(
                    client, "/memory", [("title", title), ("category", "business_logic"), ("content", Self.hostile), ("_csrf", token)],
                    cookie: fixture.anaCookie)
                #expect(proposed.status == .seeOther && proposed.headers[.location] == "/memory?notice=proposed")
            }
            let listed = Page.html(try await Page.get(client, "/memory", cookie: fixture.anaCookie))
            #expect(listed.contains("<h3 id=\"item-pick-0\">") && listed.contains(Self.hostileEscaped))
            #expect(!listed.contains("<img src=x"))

            let items = try await store.list(for: fixture.admin, .init(page: 1, perPage: 10)).items
            let refunds = try #require(items.first { $0.title == "Refunds are excluded" })
            let other = try #require(items.first { $0.title != "Refunds are excluded" })
            let voted = try await Page.post(
                client, "/memory/\(refunds.id)/vote", [("vote", "1"), ("_csrf", token)], cookie: fixture.anaCookie)
            #expect(voted.status == .seeOther)
            #expect(try await store.votes(of: fixture.ana)[refunds.id] == 1)
            let searched = Page.html(try await Page.get(client, "/memory?q=refunds", cookie: fixture.anaCookie))
            #expect(searched.contains("Refunds are excluded") && searched.contains(#"aria-pressed="true">Helpful (1)"#))

            let forbidden = try await Page.get(client, "/memory/review", cookie: fixture.anaCookie)
            Page.expectPage(forbidden, .forbidden)
            #expect(Page.html(forbidden).contains("Requires role km_admin or higher"))

            let review = try await Page.get(client, "/memory/review", cookie: fixture.adminCookie)
            Page.expectPage(review)
            #expect(Page.html(review).contains("2 of 2 pending items"))
            let adminToken = try Page.formToken(review)
            let noReason = try await Page.post(
                client, "/memory/review/action", [("action", "reject"), ("item_id", other.id), ("_csrf", adminToken)],
                cookie: fixture.adminCookie)
            Page.expectPage(noReason, .unprocessableContent)
            #expect(Page.html(noReason).contains("Say why"))
            let approved = try await Page.post(
                client, "/memory/review/action", [("action", "approve"), ("item_id", refunds.id), ("_csrf", adminToken)],
                cookie: fixture.adminCookie)
            #expect(approved.status == .seeOther)
            #expect(try await store.item(refunds.id, for: fixture.admin)?.status == .approved)

            // A batch where one transition is impossible (rejecting an approved item): the other is done, the page says
            // which was refused and why.
            let batch = try await Page.post(
                client, "/memory/review/action",
                [("action", "reject"), ("ids", refunds.id), ("ids", other.id), ("reason", "duplicate"), ("_csrf", adminToken)],
                cookie: fixture.adminCookie)
            Page.expectPage(batch, .conflict)
            #expect(Page.html(batch).contains("1 done; not done: \(refunds.id)"))
            #expect(try await store.item(other.id, for: fixture.admin)?.status == .rejected)
            #expect(try await store.item(refunds.id, for: fixture.admin)?.status == .approved)

            let edit = try await Page.get(client, "/memory/items/\(refunds.id)/edit", cookie: fixture.adminCookie)
            Page.expectPage(edit)
            let saved = try await Page.post(
                client, "/memory/items/\(refunds.id)/edit",
                [
                    ("title", "Revenue excludes refunds"), ("category", "business_logic"), ("content", "Net of refunds."),
                    ("tags", "revenue"),
                    ("_csrf", adminToken),
                ],
                cookie: fixture.adminCookie)
            #expect(saved.status == .seeOther)
            #expect(try await store.item(refunds.id, for: fixture.admin)?.title == "Revenue excludes refunds")
            let audit = Page.html(try await Page.get(client, "/memory/review?status=approved", cookie: fixture.adminCookie))
            #expect(audit.contains("<td>approve</td>") && audit.contains("<td>reject</td>") && audit.contains("reason: duplicate"))
        }
        await fixture.dependencies.close()
    }

    @Test func adminsInviteChangeRolesAndCannotRemoveTheLastAdmin() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await Page().fixture(in: directory)
        let users = fixture.dependencies.stores.users
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let analystView = try await Page.get(client, "/admin/users", cookie: fixture.anaCookie)
            Page.expectPage(analystView, .forbidden)
            #expect(!Page.html(try await Page.get(client, "/dashboard", cookie: fixture.anaCookie)).contains("/admin/users"))

            let page = try await Page.get(client, "/admin/users", cookie: fixture.adminCookie)
            Page.expectPage(page)
            let token = try Page.formToken(page)
            let invited = try await Page.post(
                client, "/admin/users", [("email", "Cy@Example.com"), ("name", Self.hostile), ("role", "km_admin"), ("_csrf", token)],
                cookie: fixture.adminCookie)
            Page.expectPage(invited, .created)
            let html = Page.html(invited)
            #expect(html.contains("Setup link made: copy it to cy@example.com."), "email is not configured: the link is shown")
            #expect(html.contains("/setup-password?email=cy@example.com&amp;token="))
            #expect(html.contains(Self.hostileEscaped))
            let cy = try #require(try await users.find(email: "cy@example.com"))
            #expect(cy.role == .kmAdmin)

            let duplicate = try await Page.post(
                client, "/admin/users", [("email", "cy@example.com"), ("role", "analyst"), ("_csrf", token)], cookie: fixture.adminCookie)
            Page.expectPage(duplicate, .conflict)
            #expect(Page.html(duplicate).contains(#"value="cy@example.com""#), "the form keeps what was typed")
            let badRole = try await Page.post(
                client, "/admin/users", [("email", "dee@example.com"), ("role", "root"), ("_csrf", token)], cookie: fixture.adminCookie)
            Page.expectPage(badRole, .unprocessableContent)
            #expect(try await users.find(email: "dee@example.com") == nil)

            let demoteLast = try await Page.post(
                client, "/admin/users/\(fixture.admin.id)/role", [("role", "analyst"), ("_csrf", token)], cookie: fixture.adminCookie)
            Page.expectPage(demoteLast, .conflict)
            #expect(try await users.find(id: fixture.admin.id)?.role == .admin)
            let deleteSelf = try await Page.post(
                client, "/admin/users/\(fixture.admin.id)/delete", [("_csrf", token)], cookie: fixture.adminCookie)
            Page.expectPage(deleteSelf, .conflict)

            let promoted = try await Page.post(
                client, "/admin/users/\(cy.id)/role", [("role", "analyst"), ("_csrf", token)], cookie: fixture.adminCookie)
            #expect(promoted.status == .seeOther)
            #expect(try await users.find(id: cy.id)?.role == .analyst)
            let deleted = try await Page.post(client, "/admin/users/\(cy.id)/delete", [("_csrf", token)], cookie: fixture.adminCookie)
            #expect(deleted.status == .seeOther)
            #expect(try await users.find(id: cy.id) == nil)
        }
        await fixture.dependencies.close()
    }

    @Test func adminsRegisterEditAndSyncTablesAndSeeTheHistoryAndTheAuditAsText() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await Page().fixture(in: directory)
        let registry = fixture.dependencies.stores.registry
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let tables = try await Page.get(client, "/admin/tables", cookie: fixture.adminCookie)
            Page.expectPage(tables)
            #expect(Page.html(tables).contains("No tables yet."))
            let token = try Page.formToken(tables)
            let incomplete = try await Page.post(
                client, "/admin/tables",
                [
                    ("name", "events"), ("sync_strategy", "incremental"), ("source_type", "keboola"), ("bucket", "in.c-web"),
                    ("_csrf", token),
                ],
                cookie: fixture.adminCookie)
            Page.expectPage(incomplete, .unprocessableContent)
            #expect(Page.html(incomplete).contains("primary_key"), "the registry's reason")
            #expect(try await registry.find(id: "events") == nil)

            let registered = try await Page.post(
                client, "/admin/tables",
                [
                    ("name", "events"), ("source_type", "files"), ("sync_strategy", "full_refresh"), ("query_mode", "local"),
                    ("sync_schedule", "every 15m"), ("description", Self.hostile), ("is_public", "off"), ("is_public", "on"),
                    ("_csrf", token),
                ],
                cookie: fixture.adminCookie)
            #expect(registered.status == .seeOther && registered.headers[.location] == "/admin/tables/events?notice=registered")
            let events = try #require(try await registry.find(id: "events"))
            #expect(events.isPublic && events.syncSchedule?.description == "every 15m" && events.description == Self.hostile)

            let detail = try await Page.get(client, "/admin/tables/events", cookie: fixture.adminCookie)
            Page.expectPage(detail)
            #expect(Page.html(detail).contains(Self.hostileEscaped))
            let badSchedule = try await Page.post(
                client, "/admin/tables/events", [("name", "events"), ("sync_schedule", "sometimes"), ("_csrf", token)],
                cookie: fixture.adminCookie)
            Page.expectPage(badSchedule, .unprocessableContent)
            #expect(Page.html(badSchedule).contains(#"value="sometimes""#), "the form keeps what was typed")
            let made = try await Page.post(
                client, "/admin/tables/events", [("name", "Events"), ("is_public", "off"), ("_csrf", token)], cookie: fixture.adminCookie)
            #expect(made.status == .seeOther)
            #expect(try await registry.find(id: "events")?.isPublic == false, "an unticked box makes the table private")

            let synced = try await Page.post(client, "/admin/tables/events/sync", [("_csrf", token)], cookie: fixture.adminCookie)
            #expect(synced.status == .seeOther)
            try await waitFor("the sync of events in the history") {
                Page.html(try await Page.get(client, "/admin/tables/events", cookie: fixture.adminCookie)).contains(
                    "<td><span class=\"badge")
            }

            // Audit entries carry what callers sent: shown as text on the activity page.
            fixture.dependencies.background.audit.record(
                AuditEntry(
                    userID: fixture.ana.id, action: "POST /x", resource: Self.hostile, params: #"{"q":"\#(Self.hostile)"}"#, status: 403,
                    durationMilliseconds: 1, clientAddress: nil, requestID: nil))
            let activity = try await Page.get(
                client, "/activity?resource=\(Self.hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
                cookie: fixture.adminCookie)
            Page.expectPage(activity)
            #expect(Page.html(activity).contains(Self.hostileEscaped) && !Page.html(activity).contains("<img src=x"))
            #expect(Page.html(activity).contains("ana@example.com"))
            Page.expectPage(try await Page.get(client, "/activity?since=yesterday", cookie: fixture.adminCookie), .unprocessableContent)
            Page.expectPage(try await Page.get(client, "/admin/scripts", cookie: fixture.adminCookie))

            let removed = try await Page.post(client, "/admin/tables/events/delete", [("_csrf", token)], cookie: fixture.adminCookie)
            #expect(removed.status == .seeOther)
            #expect(try await registry.find(id: "events") == nil)
        }
        await fixture.dependencies.close()
    }

    @Test func discoveredKeboolaTablesAreRegisteredFromTheTablesPage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fake = try await FakeKeboola.start(files: URL(fileURLWithPath: directory.appending("kbc-files")))
        fake.createTable(
            "in.c-sales.orders", columns: [.typed("id", "INTEGER"), .init("customer")], primaryKey: ["id"], rows: [["1", "Ann"]],
            description: Self.hostile)
        let environment = ["KEBOOLA_STACK_URL": fake.url, "KEBOOLA_STORAGE_TOKEN": fake.token]
        let connectors = try ConnectorSettings.resolve(instance: InstanceConfig(), environment: environment)
        let fixture = try await Page().fixture(in: directory) { $0.connectors = connectors }
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let discovered = try await Page.get(client, "/admin/tables?discover=keboola", cookie: fixture.adminCookie)
            Page.expectPage(discovered)
            let html = Page.html(discovered)
            #expect(html.contains("<code>in.c-sales.orders</code>") && html.contains("Register orders"))
            #expect(html.contains(Self.hostileEscaped) && !html.contains("<img src=x"))
            let registered = try await Page.post(
                client, "/admin/tables",
                [
                    ("name", "orders"), ("source_type", "keboola"), ("bucket", "in.c-sales"), ("source_table", "orders"),
                    ("primary_key", "id"), ("description", "Shop orders"), ("_csrf", try Page.formToken(discovered)),
                ],
                cookie: fixture.adminCookie)
            #expect(registered.status == .seeOther && registered.headers[.location] == "/admin/tables/orders?notice=registered")
            let table = try #require(try await fixture.dependencies.stores.registry.find(id: "orders"))
            #expect(table.sourceType == "keboola" && table.bucket == "in.c-sales" && table.primaryKey == "id" && !table.isPublic)
            let again = Page.html(try await Page.get(client, "/admin/tables?discover=keboola", cookie: fixture.adminCookie))
            #expect(again.contains(#"<a href="/admin/tables/orders">registered as orders</a>"#))
        }
        await fixture.dependencies.close()
        await fake.stop()
    }
}
