import AnalystAPI
import AnalystCore
import Crypto
import DuckDB
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

@testable import AnalystServer

/// Registry, uploads, manifest, downloads and the catalog through HTTP, with an admin and an analyst.
struct DataPlaneTests {
    struct Fixture {
        let dependencies: ServerDependencies
        let adminToken: String
        let analystToken: String
    }

    func fixture(in directory: TemporaryDirectory, maxUpload: Int64 = 1 << 20, zeroCopy: Bool = false) async throws -> Fixture {
        let dependencies = try await makeDependencies(in: directory) {
            $0.uploads.maxTableBytes = maxUpload
            $0.zeroCopyDownloads = zeroCopy
        }
        let admin = try await dependencies.stores.users.bootstrapAdmin(email: "admin@example.com", name: nil, passwordHash: nil)
        let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .analyst, passwordHash: nil)
        return Fixture(
            dependencies: dependencies,
            adminToken: try await dependencies.signIn.tokens.issue(for: admin, users: dependencies.stores.users),
            analystToken: try await dependencies.signIn.tokens.issue(for: ana, users: dependencies.stores.users))
    }

    static let ordersCSV = "order_id,customer,total,created\n1,alice,10.50,2026-01-02\n2,bob,7.25,2026-01-03\n3,carol,99.00,2026-02-01\n"

    /// Run in process (downloads read in chunks) and over a real socket with downloads sent by `sendfile(2)`.
    @Test(arguments: [false, true])
    func anUploadedCSVIsPublishedAndServedOnlyToThoseWhoMayReadIt(zeroCopy: Bool) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory, zeroCopy: zeroCopy)
        try await buildApplication(dependencies: fixture.dependencies).test(zeroCopy ? .live : .router) { client in
            let admin: HTTPFields = [.authorization: "Bearer \(fixture.adminToken)"]
            let analyst: HTTPFields = [.authorization: "Bearer \(fixture.analystToken)"]
            #expect(try await client.post("/api/admin/register-table", json: #"{"name":"Orders"}"#, headers: admin).status == .created)
            let registered = try await client.post(
                "/api/admin/register-table", json: #"{"name":"salaries","is_public":false}"#, headers: admin)
            #expect(registered.status == .created)

            let metrics = fixture.dependencies.configuration.dataDirectory.docs.appendingPathComponent("metrics/revenue")
            try FileManager.default.createDirectory(at: metrics, withIntermediateDirectories: true)
            try "- name: total\n  sql: SELECT sum(total) FROM orders\n".write(
                to: metrics.appendingPathComponent("total.yml"), atomically: true, encoding: .utf8)
            let uploaded = try await client.execute(
                uri: "/api/admin/tables/orders/upload", method: .post, headers: admin.merging([.contentType: "text/csv"]),
                body: ByteBuffer(string: DataPlaneTests.ordersCSV))
            #expect(uploaded.status == .created)
            let upload = try jsonObject(uploaded)
            #expect(upload["rows"] as? Int == 3)
            let columns = try #require(upload["columns"] as? [[String: Any]])
            #expect(columns.map { $0["name"] as? String } == ["order_id", "customer", "total", "created"])
            #expect(columns.last?["type"] as? String == "DATE", "types are inferred from the CSV")
            let salaryCSV = "person,salary\nana,100\n"
            #expect(
                try await client.execute(
                    uri: "/api/admin/tables/salaries/upload", method: .post, headers: admin, body: ByteBuffer(string: salaryCSV)
                ).status == .created)

            let manifest = try jsonObject(try await client.execute(uri: "/api/sync/manifest", method: .get, headers: analyst))
            let tables = try #require(manifest["tables"] as? [String: [String: Any]])
            #expect(Set(tables.keys) == ["orders"], "the private table is hidden from the analyst")
            let orders = try #require(tables["orders"])
            #expect(orders["rows"] as? Int == 3)
            #expect(orders["query_mode"] as? String == "local")
            let hash = try #require(orders["hash"] as? String)
            #expect(hash.count == 64)
            let adminManifest = try jsonObject(try await client.execute(uri: "/api/sync/manifest", method: .get, headers: admin))
            #expect(Set((adminManifest["tables"] as? [String: Any])?.keys.map { $0 } ?? []) == ["orders", "salaries"])

            let download = try await client.execute(uri: "/api/data/orders/download", method: .get, headers: analyst)
            #expect(download.status == .ok)
            #expect(download.headers[FileRegionMark.field] == nil)
            let bytes = Data(buffer: download.body)
            #expect(Secrets.hex(SHA256.hash(data: bytes)) == hash, "the manifest hash is the SHA-256 of the bytes")
            #expect(download.headers[.eTag] == "\"\(hash)\"")
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"orders.parquet\"")
            #expect(download.headers[.contentLength] == String(bytes.count))
            #expect(bytes.prefix(4) == Data("PAR1".utf8))

            let notModified = try await client.execute(
                uri: "/api/data/orders/download", method: .get, headers: analyst.merging([.ifNoneMatch: "\"\(hash)\""]))
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)
            let part = try await client.execute(
                uri: "/api/data/orders/download", method: .get, headers: analyst.merging([.range: "bytes=4-13"]))
            #expect(part.status == .partialContent)
            #expect(part.headers[.contentRange] == "bytes 4-13/\(bytes.count)")
            #expect(Data(buffer: part.body) == bytes[4...13])
            let tail = try await client.execute(
                uri: "/api/data/orders/download", method: .get, headers: analyst.merging([.range: "bytes=-8"]))
            #expect(Data(buffer: tail.body) == bytes.suffix(8))
            let beyond = try await client.execute(
                uri: "/api/data/orders/download", method: .get, headers: analyst.merging([.range: "bytes=\(bytes.count)-"]))
            #expect(beyond.status == .rangeNotSatisfiable)
            let head = try await client.execute(uri: "/api/data/orders/download", method: .head, headers: analyst)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == String(bytes.count))
            #expect(head.body.readableBytes == 0)

            let denied = try await client.execute(uri: "/api/data/salaries/download", method: .get, headers: analyst)
            #expect(denied.status == .forbidden)
            #expect(try detail(denied) == "Access denied to this table")
            let unknown = try await client.execute(uri: "/api/data/nothing/download", method: .get, headers: admin)
            #expect(unknown.status == .notFound)

            let catalog = try jsonObject(try await client.execute(uri: "/api/catalog/tables", method: .get, headers: analyst))
            let entries = try #require(catalog["tables"] as? [[String: Any]])
            #expect(entries.first { $0["id"] as? String == "salaries" }?["can_read"] as? Bool == false)
            #expect(entries.first { $0["id"] as? String == "orders" }?["rows"] as? Int == 3)
            let catalogKeys: Set<String> = [
                "id", "name", "description", "source_type", "sync_strategy", "query_mode", "bucket", "is_public", "rows",
                "size_bytes", "last_sync", "can_read", "catalog",
            ]
            #expect(entries.allSatisfy { Set($0.keys) == catalogKeys }, "unknown values are null, never left out")
            #expect(entries.first { $0["id"] as? String == "orders" }?["bucket"] is NSNull)
            let profile = try await client.execute(uri: "/api/catalog/profile/salaries", method: .get, headers: analyst)
            #expect(profile.status == .forbidden)
            let ordersProfile = try await client.execute(uri: "/api/catalog/profile/orders", method: .get, headers: analyst)
            #expect(ordersProfile.status == .ok, "the sync that published the upload profiled it")
            let profileBody = try jsonObject(ordersProfile)
            #expect(profileBody["row_count"] as? Int == 3)
            #expect((profileBody["columns"] as? [[String: Any]])?.count == 4)
            #expect(profileBody["profiled_at"] is String)
            // The answers spliced from stored JSON by hand still decode into the contract's types.
            let catalogProfile = try JSONDecoder.wire().decode(Schemas.CatalogProfile.self, from: Data(buffer: ordersProfile.body))
            #expect(catalogProfile.profiledAt != nil)
            let bundle = try await client.execute(uri: "/api/sync/assets/profiles", method: .get, headers: analyst)
            let profiles = try JSONDecoder.wire().decode(Schemas.ProfilesBundle.self, from: Data(buffer: bundle.body))
            #expect(Array(profiles.tables.additionalProperties.keys) == ["orders"])
            let assets = try jsonObject(bundle)
            #expect(Set((assets["tables"] as? [String: Any])?.keys.map { $0 } ?? []) == ["orders"], "profiles are filtered by access")
            let manifestNow = try jsonObject(try await client.execute(uri: "/api/sync/manifest", method: .get, headers: analyst))
            let assetHashes = (manifestNow["assets"] as? [String: Any])?.compactMapValues { $0 as? [String: String] }
            #expect(assetHashes?["profiles"]?["hash"] != nil)
            #expect((manifestNow["assets"] as? [String: Any])?["rules"] is NSNull, "no corporate-memory rules for the analyst yet")
            let docs = try jsonObject(try await client.execute(uri: "/api/sync/assets/docs", method: .get, headers: analyst))
            #expect((docs["files"] as? [[String: String]])?.map { $0["path"] } == ["metrics/revenue/total.yml"])
            #expect((docs["files"] as? [[String: String]])?.first?["content"]?.contains("sum(total)") == true)
            #expect(docs["hash"] as? String == assetHashes?["docs"]?["hash"], "the bundle is what the manifest's docs hash describes")

            // Granting access makes the table appear for the analyst.
            let ana = try #require(try await fixture.dependencies.stores.users.find(email: "ana@example.com"))
            #expect(
                try await client.post(
                    "/api/admin/permissions", json: #"{"user_id":"\#(ana.id)","dataset":"salaries"}"#, headers: admin
                ).status == .created)
            let after = try jsonObject(try await client.execute(uri: "/api/sync/manifest", method: .get, headers: analyst))
            #expect((after["tables"] as? [String: Any])?["salaries"] != nil)
        }
        await fixture.dependencies.close()
    }

    /// A partitioned table: the manifest lists its partitions, each is downloaded by name (served by sendfile), and
    /// a name the manifest does not list never reaches the disk.
    @Test func aPartitionedTableIsServedPartitionByPartition() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = ExtractSource(name: "parts", in: URL(fileURLWithPath: directory.appending("data/extracts")))
        let folder = source.partitionDirectory(for: "events")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let connection = try Database().connect()
        for (month, rows) in [("2026-01", 3), ("2026-02", 5)] {
            try connection.execute(
                "COPY (SELECT range AS id, DATE '\(month)-01' AS day FROM range(\(rows))) TO '\(folder.path)/\(month).parquet' (FORMAT parquet)"
            )
        }
        try ExtractContract.write(source, tables: [ExtractTable(name: "events", rows: 8, sizeBytes: 0, extractedAt: Date())])
        let fixture = try await fixture(in: directory, zeroCopy: true)
        try await buildApplication(dependencies: fixture.dependencies).test(.live) { client in
            await waitUntilStarted(fixture.dependencies)
            let admin: HTTPFields = [.authorization: "Bearer \(fixture.adminToken)"]
            let manifest = try jsonObject(try await client.execute(uri: "/api/sync/manifest", method: .get, headers: admin))
            let events = try #require((manifest["tables"] as? [String: [String: Any]])?["events"])
            let partitions = try #require(events["partitions"] as? [String: [String: Any]])
            #expect(partitions.keys.sorted() == ["2026-01", "2026-02"])
            #expect(events["rows"] as? Int == 8)
            #expect(events["size_bytes"] as? Int == partitions.values.reduce(0) { $0 + ($1["size_bytes"] as? Int ?? 0) })

            let whole = try await client.execute(uri: "/api/data/events/download", method: .get, headers: admin)
            #expect(whole.status == .conflict)
            #expect(try detail(whole)?.contains("events is partitioned; download each partition with ?partition=<name>") == true)
            let january = try await client.execute(uri: "/api/data/events/download?partition=2026-01", method: .get, headers: admin)
            #expect(january.status == .ok)
            let bytes = Data(buffer: january.body)
            let hash = try #require(partitions["2026-01"]?["hash"] as? String)
            #expect(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() == hash)
            #expect(january.headers[.eTag] == "\"\(hash)\"")
            #expect(january.headers[.contentDisposition] == "attachment; filename=\"events.2026-01.parquet\"")
            for bad in ["2026-03", "..%2F..%2Fsystem", "2026-01.parquet", ""] {
                let refused = try await client.execute(uri: "/api/data/events/download?partition=\(bad)", method: .get, headers: admin)
                #expect(refused.status == .notFound, "\(bad)")
            }
            // A query reads every partition.
            let query = try await client.post("/api/query", json: #"{"sql":"SELECT count(*) FROM events"}"#, headers: admin)
            #expect((try jsonObject(query)["rows"] as? [[Any]])?.first?.first as? Int == 8)
        }
        await fixture.dependencies.close()
    }

    /// A data directory works wherever it is: moved (or restored from a backup) to another path, with the old path
    /// gone, it still answers queries and downloads, and its extracts name their parquet files relative to themselves.
    @Test func aDataDirectoryMovedElsewhereStillServes() async throws {
        let original = try TemporaryDirectory()
        defer { original.remove() }
        let fixture = try await fixture(in: original)
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.adminToken)"]
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            #expect(try await client.post("/api/admin/register-table", json: #"{"name":"orders"}"#, headers: admin).status == .created)
            let uploaded = try await client.execute(
                uri: "/api/admin/tables/orders/upload", method: .post, headers: admin.merging([.contentType: "text/csv"]),
                body: ByteBuffer(string: DataPlaneTests.ordersCSV))
            #expect(uploaded.status == .created)
        }
        await fixture.dependencies.close()

        let moved = try TemporaryDirectory()
        defer { moved.remove() }
        try FileManager.default.copyItem(atPath: original.appending("data"), toPath: moved.appending("data"))
        original.remove()

        // The extract's own view reads `data/orders.parquet` relative to the source's folder.
        let extract = try ExtractSource(name: "files", in: URL(fileURLWithPath: moved.appending("data/extracts"))).connectReadOnly()
        #expect(try extract.query("SELECT count(*) FROM orders").scalar() == .bigint(3))
        let definition = try extract.query("SELECT sql FROM duckdb_views() WHERE view_name = 'orders'").scalar()?.stringValue
        #expect(definition?.contains(original.path) == false)

        // Served over a real socket, downloads by sendfile(2) (the default).
        let dependencies = try await makeDependencies(in: moved)
        let user = try #require(try await dependencies.stores.users.find(email: "admin@example.com"))
        let token = try await dependencies.signIn.tokens.issue(for: user, users: dependencies.stores.users)
        try await buildApplication(dependencies: dependencies).test(.live) { client in
            // The last epoch's views read the files by the old path: the start-up rebuild moves them to the new one.
            await waitUntilStarted(dependencies)
            let headers: HTTPFields = [.authorization: "Bearer \(token)"]
            let query = try await client.post(
                "/api/query", json: #"{"sql":"SELECT count(*) AS n, sum(total) AS total FROM orders"}"#, headers: headers)
            #expect(query.status == .ok)
            #expect((try jsonObject(query)["rows"] as? [[Any]])?.first?.first as? Int == 3)
            let manifest = try jsonObject(try await client.execute(uri: "/api/sync/manifest", method: .get, headers: headers))
            let hash = try #require((manifest["tables"] as? [String: [String: Any]])?["orders"]?["hash"] as? String)
            let download = try await client.execute(uri: "/api/data/orders/download", method: .get, headers: headers)
            #expect(download.status == .ok)
            #expect(Secrets.hex(SHA256.hash(data: Data(buffer: download.body))) == hash)
        }
        await dependencies.close()
    }

    /// Admins read every table, but a parquet file named by its path is not a table, for them either.
    @Test func anAdminCannotReadAFileByItsPath() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.adminToken)"]
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            #expect(try await client.post("/api/admin/register-table", json: #"{"name":"orders"}"#, headers: admin).status == .created)
            #expect(
                try await client.execute(
                    uri: "/api/admin/tables/orders/upload", method: .post, headers: admin.merging([.contentType: "text/csv"]),
                    body: ByteBuffer(string: DataPlaneTests.ordersCSV)
                ).status == .created)
            let file = fixture.dependencies.configuration.dataDirectory.extracts.appendingPathComponent("files/data/orders.parquet").path
            #expect(FileManager.default.fileExists(atPath: file))
            for sql in ["SELECT * FROM '\(file)'", "SELECT * FROM read_parquet('\(file)')", "FROM 'files/data/orders.parquet'"] {
                let body = try String(decoding: JSONSerialization.data(withJSONObject: ["sql": sql]), as: UTF8.self)
                let refused = try await client.post("/api/query", json: body, headers: admin)
                #expect(refused.status == .forbidden || refused.status == .badRequest, "\(sql)")
                #expect(try jsonObject(refused)["rows"] == nil)
            }
            let allowed = try await client.post("/api/query", json: #"{"sql":"SELECT count(*) FROM orders"}"#, headers: admin)
            #expect(allowed.status == .ok)
        }
        await fixture.dependencies.close()
    }

    @Test func uploadsAreCheckedBeforeAnythingIsPublished() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory, maxUpload: 1_000)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let admin: HTTPFields = [.authorization: "Bearer \(fixture.adminToken)"]
            let analyst: HTTPFields = [.authorization: "Bearer \(fixture.analystToken)"]
            let unregistered = try await client.execute(
                uri: "/api/admin/tables/ghost/upload", method: .post, headers: admin, body: ByteBuffer(string: "a\n1\n"))
            #expect(unregistered.status == .notFound)
            #expect(try await client.post("/api/admin/register-table", json: #"{"name":"big"}"#, headers: admin).status == .created)
            let tooLarge = try await client.execute(
                uri: "/api/admin/tables/big/upload", method: .post, headers: admin,
                body: ByteBuffer(string: "a\n" + String(repeating: "1\n", count: 1_000)))
            #expect(tooLarge.status == .contentTooLarge)
            let broken = try await client.execute(
                uri: "/api/admin/tables/big/upload?format=parquet", method: .post, headers: admin,
                body: ByteBuffer(string: "this is not parquet"))
            #expect(broken.status == .unprocessableContent)
            #expect(try detail(broken)?.hasPrefix("The file could not be read") == true)
            let asAnalyst = try await client.execute(
                uri: "/api/admin/tables/big/upload", method: .post, headers: analyst, body: ByteBuffer(string: "a\n1\n"))
            #expect(asAnalyst.status == .forbidden)
            let manifest = try jsonObject(try await client.execute(uri: "/api/sync/manifest", method: .get, headers: admin))
            #expect((manifest["tables"] as? [String: Any])?.isEmpty == true, "nothing half-published")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.dependencies.configuration.dataDirectory.inbox.path)
            #expect(leftovers.isEmpty, "refused uploads leave nothing in the inbox")
        }
        await fixture.dependencies.close()
    }

    @Test func registryValidatesItsFields() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let admin: HTTPFields = [.authorization: "Bearer \(fixture.adminToken)"]
            let created = try await client.post(
                "/api/admin/register-table",
                json: #"{"name":"Web Sessions","sync_schedule":"daily 05:00,13:00","bucket":"web","primary_key":"session_id"}"#,
                headers: admin)
            #expect(created.status == .created)
            #expect(try jsonObject(created)["id"] as? String == "web_sessions")
            let duplicate = try await client.post("/api/admin/register-table", json: #"{"name":"web sessions"}"#, headers: admin)
            #expect(duplicate.status == .conflict)
            #expect(try detail(duplicate) == "Table 'web_sessions' already registered")
            for (body, message) in [
                (#"{"name":"1st table"}"#, "table id \"1st_table\" is not valid"),
                (#"{"name":"   "}"#, "Table name cannot be empty"),
                (#"{"name":"x","sync_strategy":"sometimes"}"#, "sync_strategy \"sometimes\" is not valid"),
                (#"{"name":"x","query_mode":"hybrid"}"#, "query_mode \"hybrid\" is not valid"),
                (#"{"name":"x","sync_schedule":"every 15"}"#, "sync_schedule \"every 15\" is not valid"),
                (#"{"name":"x","sync_schedule":"daily 25:00"}"#, "sync_schedule \"daily 25:00\" is not valid"),
                (#"{"name":"x","source_type":"keboola","sync_strategy":"incremental"}"#, "sync_strategy incremental for a keboola"),
                (
                    #"{"name":"x","source_type":"postgres","sync_strategy":"incremental","primary_key":"id"}"#,
                    "sync_strategy incremental for a postgres"
                ),
                (#"{"name":"x","sync_strategy":"partitioned","primary_key":"id"}"#, "sync_strategy partitioned needs partition_by"),
                (#"{"name":"x","source_type":"keboola","query_mode":"remote"}"#, "query_mode remote for keboola needs"),
                (#"{"name":"x","connection_env":"lower_case"}"#, "connection_env \"lower_case\" is not valid"),
                (#"{"name":"x","where_filters":[{"column":"","operator":"eq","values":["a"]}]}"#, "where_filters"),
            ] {
                let refused = try await client.post("/api/admin/register-table", json: body, headers: admin)
                #expect(refused.status == .unprocessableContent, "\(body)")
                let refusal = try detail(refused) ?? ""
                #expect(refusal.hasPrefix(message), "\(body): \(refusal)")
            }
            let updated = try await client.execute(
                uri: "/api/admin/registry/web_sessions", method: .put, headers: admin.merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"sync_schedule":"every 2h","is_public":false}"#))
            #expect(try jsonObject(updated)["updated"] as? [String] == ["sync_schedule", "is_public"])
            let list = try jsonObject(try await client.execute(uri: "/api/admin/registry", method: .get, headers: admin))
            let row = try #require((list["tables"] as? [[String: Any]])?.first)
            #expect(row["sync_schedule"] as? String == "every 2h")
            #expect(row["is_public"] as? Bool == false)
            #expect(row["registered_by"] as? String == "admin@example.com")
            #expect(row["folder"] is NSNull, "unset fields are null, not missing")
            let removed = try await client.execute(uri: "/api/admin/registry/web_sessions", method: .delete, headers: admin)
            #expect(removed.status == .noContent)
            let again = try await client.execute(uri: "/api/admin/registry/web_sessions", method: .delete, headers: admin)
            #expect(again.status == .notFound)
        }
        await fixture.dependencies.close()
    }
}

extension HTTPFields {
    /// These fields plus `other`'s (other's win).
    func merging(_ other: HTTPFields) -> HTTPFields {
        var result = self
        for field in other { result[field.name] = field.value }
        return result
    }
}

struct SyncSchedulerTests {
    @Test func onlyTablesWhoseScheduleIsDueAreSyncedOneJobPerSource() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let tables: [(String, String, String?)] = [
            ("fresh", "every 15m", nil), ("stale", "every 15m", nil), ("never_synced", "daily 05:00", nil), ("manual", "", nil),
            ("kbc_orders", "every 1h", "keboola"), ("kbc_fresh", "every 1h", "keboola"),
        ]
        for (name, schedule, source) in tables {
            _ = try await dependencies.stores.registry.register(
                Schemas.TableChanges(name: name, sourceType: source, syncSchedule: schedule), by: nil)
        }
        let now = Date()
        // When each table last ran comes from sync_history (it survives a restart); a rebuild alone does not count.
        for (id, minutesAgo, source) in [
            ("fresh", 5.0, "files"), ("stale", 20.0, "files"), ("manual", 10_000.0, "files"), ("kbc_orders", 61.0, "keboola"),
            ("kbc_fresh", 59.0, "keboola"),
        ] {
            try await dependencies.stores.syncHistory.append(
                [TableOutcome(table: id, source: source, status: minutesAgo > 60 ? .error : .ok)], jobID: "earlier",
                at: now.addingTimeInterval(-minutesAgo * 60))
        }
        let scheduler = SyncScheduler(
            registry: dependencies.stores.registry, history: dependencies.stores.syncHistory,
            jobs: dependencies.background.syncJobs, logger: LogCapture().logger())
        let due = try await scheduler.dueTables(now: now)
        #expect(due.mapValues { $0.sorted() } == ["files": ["never_synced", "stale"], "keboola": ["kbc_orders"]])

        // One job per source; a second tick while they are unfinished queues nothing (no table runs twice at once).
        let jobs = dependencies.background.syncJobs
        let queued = try await scheduler.tick(now: now)
        #expect(queued.map { $0.tables?.sorted() ?? [] } == [["never_synced", "stale"], ["kbc_orders"]])
        #expect(jobs.isBusy("stale") && jobs.isBusy("kbc_orders") && !jobs.isBusy("fresh"))
        #expect(try await scheduler.tick(now: now).isEmpty)
        await dependencies.close()
    }

    /// Periodic passes (the Jira SLA poll, the consistency pass) run at the scheduler's checks, and a pass still
    /// running when it is due again is skipped, never started a second time.
    @Test func periodicPassesRunBesideTheScheduleAndNeverStack() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dependencies = try await makeDependencies(in: directory)
        let counts = Mutex((running: 0, most: 0, runs: 0))
        // The first run holds until the test has seen it skipped, so "still running" does not depend on timing.
        let released = Mutex(false)
        let slow = PeriodicPass(name: "slow", every: .milliseconds(10), startImmediately: true) {
            counts.withLock {
                $0.running += 1
                $0.most = max($0.most, $0.running)
                $0.runs += 1
            }
            while !released.withLock({ $0 }) && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(10))
            }
            counts.withLock { $0.running -= 1 }
        }
        let later = PeriodicPass(name: "later", every: .seconds(3600)) {}
        #expect(later.claim() == .no, "not due until one period after the start")
        let log = LogCapture()
        let scheduler = SyncScheduler(
            registry: dependencies.stores.registry, history: dependencies.stores.syncHistory,
            jobs: dependencies.background.syncJobs, logger: log.logger(), interval: .milliseconds(25), passes: [slow, later])
        let running = Task { await scheduler.run() }
        func waitFor(_ condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline && !condition() { try await Task.sleep(for: .milliseconds(20)) }
        }
        try await waitFor { log.lines.contains { $0.contains("skipping a periodic pass") } }
        released.withLock { $0 = true }
        try await waitFor { counts.withLock { $0.runs } >= 2 }
        running.cancel()
        await running.value
        let seen = counts.withLock { $0 }
        #expect(seen.runs >= 2, "\(seen.runs) runs")
        #expect(seen.most == 1, "never two runs at once")
        #expect(log.lines.contains { $0.contains("skipping a periodic pass") })
        #expect(!slow.isRunning, "cancelled with the scheduler")
        await dependencies.close()
    }

    @Test func fileRegionMarksNameOnlyFilesUnderTheRoot() {
        let root = "/data/extracts/"
        let path = "/data/extracts/my source/data/naïve table.parquet"
        let mark = FileRegionMark.value(path: path, offset: 4, length: 10)
        #expect(!mark.contains("ï") && mark.hasPrefix("4 10 /data/extracts/my%20source/"))
        #expect(FileRegionMark.region(from: mark, root: root)?.path == path)
        #expect(FileRegionMark.region(from: mark, root: root)?.offset == 4)
        #expect(FileRegionMark.region(from: mark, root: root)?.length == 10)
        for refused in [
            "0 10 /etc/passwd", "0 10 /data/extracts/../state/system.duckdb", "-1 10 /data/extracts/a.parquet",
            "0 -5 /data/extracts/a.parquet", "0 10", "x 10 /data/extracts/a.parquet", "0 10 data/extracts/a.parquet",
        ] {
            #expect(FileRegionMark.region(from: refused, root: root) == nil, "\(refused)")
        }
        #expect(FileRegionMark.region(from: "0 10 /data/extracts/a.parquet", root: "/data/extracts") == nil)
    }
}
