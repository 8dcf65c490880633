import AnalystCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import AnalystServer

/// `/api/upload`: sessions, artifacts and CLAUDE.local.md for any signed-in user, and the multipart reader.
struct UploadRouteTests {
    struct Fixture {
        let dependencies: ServerDependencies
        let ana: User
        let token: String
        let bobToken: String
        var data: DataDirectory { dependencies.configuration.dataDirectory }
        var auth: HTTPFields { [.authorization: "Bearer \(token)"] }

        /// `user_sessions/<ana's id>/` and friends.
        func folder(_ base: URL) -> URL { base.appendingPathComponent(ana.id, isDirectory: true) }
    }

    func fixture(in directory: TemporaryDirectory, maxUserUpload: Int64? = nil) async throws -> Fixture {
        let dependencies = try await makeDependencies(in: directory) { configuration in
            if let maxUserUpload { configuration.uploads.maxUserFileBytes = maxUserUpload }
        }
        let ana = try await dependencies.stores.users.create(email: "ana@example.com", name: nil, role: .viewer, passwordHash: nil)
        let bob = try await dependencies.stores.users.create(email: "bob@example.com", name: nil, role: .analyst, passwordHash: nil)
        return Fixture(
            dependencies: dependencies, ana: ana,
            token: try await dependencies.signIn.tokens.issue(for: ana, users: dependencies.stores.users),
            bobToken: try await dependencies.signIn.tokens.issue(for: bob, users: dependencies.stores.users))
    }

    static let boundary = "----da-test-boundary-7MA4YWxkTrZu0gW"

    /// A form body: `parts` as (Content-Disposition parameters, content), closed unless `close` is false.
    static func form(_ parts: [(disposition: String, content: Data)], boundary: String = boundary, close: Bool = true) -> Data {
        var body = Data("preamble to ignore\r\n".utf8)
        for part in parts {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; \(part.disposition)\r\n".utf8)
            body += Data("Content-Type: application/octet-stream\r\n\r\n".utf8)
            body += part.content
            body += Data("\r\n".utf8)
        }
        if close { body += Data("--\(boundary)--\r\nepilogue to ignore".utf8) }
        return body
    }

    /// A form with the field `file` named `filename` (and a text field before it).
    static func fileForm(_ filename: String, _ content: Data) -> Data {
        form([("name=\"note\"", Data("ignored".utf8)), ("name=\"file\"; filename=\"\(filename)\"", content)])
    }

    /// Bytes that look like a boundary without being one, CR/LF pairs and non-UTF-8 bytes.
    static let awkwardContent =
        Data(
            "{\"type\":\"user\",\"text\":\"--\(boundary)\"}\r\n--\(boundary.dropLast())X\r\n\r\n--\r\n{\"type\":\"assistant\"}\n".utf8)
        + Data([0x00, 0xFF, 0x0D, 0x0D, 0x0A, 0x2D, 0x2D])

    func upload(
        _ client: some TestClientProtocol, _ uri: String, body: Data, headers: HTTPFields,
        contentType: String = "multipart/form-data; boundary=\(boundary)"
    ) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = contentType
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    /// Every file under the data directory, relative to it (to prove nothing landed elsewhere).
    static func files(under root: URL) -> Set<String> {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var found: Set<String> = []
        let prefix = root.standardizedFileURL.path + "/"
        for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            found.insert(String(url.standardizedFileURL.path.dropFirst(prefix.count)))
        }
        return found
    }

    @Test func aSessionIsStoredByteForByteAndAReuploadReplacesIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let first = try await upload(
                client, "/api/upload/sessions", body: Self.fileForm("abc-123.jsonl", Self.awkwardContent), headers: fixture.auth)
            #expect(first.status == .created)
            let answer = try jsonObject(first)
            #expect(Set(answer.keys) == ["status", "path", "size"])
            #expect(answer["status"] as? String == "ok")
            #expect(answer["path"] as? String == "user_sessions/\(fixture.ana.id)/abc-123.jsonl", "relative to the data directory")
            #expect(answer["size"] as? Int == Self.awkwardContent.count)
            let stored = fixture.folder(fixture.data.userSessions).appendingPathComponent("abc-123.jsonl")
            #expect(try Data(contentsOf: stored) == Self.awkwardContent)

            let grown = Self.awkwardContent + Data("{\"type\":\"user\",\"text\":\"more\"}\n".utf8)
            let second = try await upload(
                client, "/api/upload/sessions", body: Self.fileForm("abc-123.jsonl", grown), headers: fixture.auth)
            #expect(second.status == .created)
            #expect(try jsonObject(second)["size"] as? Int == grown.count)
            #expect(try Data(contentsOf: stored) == grown, "a re-upload replaces the session")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: fixture.folder(fixture.data.userSessions).path) == ["abc-123.jsonl"],
                "no temporary file is left")

            let bobs = try await upload(
                client, "/api/upload/sessions", body: Self.fileForm("abc-123.jsonl", Data("bob\n".utf8)),
                headers: [.authorization: "Bearer \(fixture.bobToken)"])
            #expect(bobs.status == .created)
            #expect(try Data(contentsOf: stored) == grown, "each user has a folder of their own")
        }
        await fixture.dependencies.close()
    }

    @Test func secretsInTranscriptsAndNotesNeverReachTheDiskAndSessionsAreIndexed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        let admin = try await fixture.dependencies.stores.users.create(
            email: "admin@example.com", name: nil, role: .admin, passwordHash: nil)
        let asAdmin: HTTPFields = [
            .authorization:
                "Bearer \(try await fixture.dependencies.signIn.tokens.issue(for: admin, users: fixture.dependencies.stores.users))"
        ]
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEiLCJleHAiOjE4OTM0NTYwMDB9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi0xMjM0NTY"
        let transcript = Data(
            """
            {"type":"user","timestamp":"2026-12-01T09:00:00Z","message":"call it with Authorization: Bearer \(jwt)"}
            {"type":"tool","timestamp":"2026-12-01T09:02:00Z","input":"{\\"password\\":\\"hunter2-secret\\"}"}
            {"type":"assistant","timestamp":"2026-12-01T09:30:00Z","message":"done"}

            """.utf8)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let uploaded = try await upload(
                client, "/api/upload/sessions", body: Self.fileForm("s-1.jsonl", transcript), headers: fixture.auth)
            #expect(uploaded.status == .created)
            let stored = try String(
                contentsOf: fixture.folder(fixture.data.userSessions).appendingPathComponent("s-1.jsonl"), encoding: .utf8)
            #expect(!stored.contains(jwt) && !stored.contains("hunter2-secret"), "\(stored)")
            #expect(stored.contains(#""message":"done""#) && stored.components(separatedBy: "[REDACTED]").count == 3)
            #expect(try jsonObject(uploaded)["size"] as? Int == stored.utf8.count, "the size is what was stored")

            let notes = try await client.post(
                "/api/upload/local-md", json: ##"{"content":"# Notes\nMy token: \##(jwt)\nRevenue excludes refunds."}"##,
                headers: fixture.auth)
            #expect(notes.status == .ok)
            let markdown = try String(
                contentsOf: fixture.data.userLocalMarkdown.appendingPathComponent("\(fixture.ana.id).md"), encoding: .utf8)
            #expect(!markdown.contains(jwt) && markdown.contains("Revenue excludes refunds."), "\(markdown)")

            // Nowhere under the data directory: not in a temporary file, not in the audit log's parameters.
            try await fixture.dependencies.background.audit.flush()
            for file in Self.files(under: URL(fileURLWithPath: fixture.data.root.path)) {
                let bytes = (try? Data(contentsOf: fixture.data.root.appendingPathComponent(file))) ?? Data()
                #expect(bytes.range(of: Data(jwt.utf8)) == nil, "the JWT is in \(file)")
            }

            let refused = try await client.execute(uri: "/api/admin/sessions", method: .get, headers: fixture.auth)
            #expect(refused.status == .forbidden)
            let listed = try jsonObject(
                try await client.execute(uri: "/api/admin/sessions?user=ANA@example.com", method: .get, headers: asAdmin))
            #expect(listed["total"] as? Int == 1)
            let entry = try #require((listed["sessions"] as? [[String: Any]])?.first)
            #expect(entry["user"] as? String == "ana@example.com" && entry["file"] as? String == "s-1.jsonl")
            #expect(entry["redactions"] as? Int == 2 && entry["size_bytes"] as? Int == stored.utf8.count)
            #expect((entry["first_event_at"] as? String)?.hasPrefix("2026-12-01T09:00:00") == true, "\(entry)")
            #expect((entry["last_event_at"] as? String)?.hasPrefix("2026-12-01T09:30:00") == true, "\(entry)")
            let nobody = try jsonObject(
                try await client.execute(uri: "/api/admin/sessions?user=bob@example.com", method: .get, headers: asAdmin))
            #expect(nobody["total"] as? Int == 0)
            let wrong = try await client.execute(uri: "/api/admin/sessions?per_page=0", method: .get, headers: asAdmin)
            #expect(wrong.status == .unprocessableContent)
        }
        await fixture.dependencies.close()
    }

    @Test func anExistingArtifactIsReplacedOnlyWithOverwrite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let original = Data("chart v1".utf8)
            let created = try await upload(
                client, "/api/upload/artifacts", body: Self.fileForm("chart.png", original), headers: fixture.auth)
            #expect(created.status == .created)
            #expect(try jsonObject(created)["path"] as? String == "user_artifacts/\(fixture.ana.id)/chart.png")
            #expect(try jsonObject(created)["size"] as? Int == original.count)
            let stored = fixture.folder(fixture.data.userArtifacts).appendingPathComponent("chart.png")

            for uri in ["/api/upload/artifacts", "/api/upload/artifacts?overwrite=false"] {
                let refused = try await upload(
                    client, uri, body: Self.fileForm("chart.png", Data("chart v2".utf8)), headers: fixture.auth)
                #expect(refused.status == .conflict, "\(uri)")
                #expect(try detail(refused) == "Artifact \"chart.png\" already exists; send ?overwrite=true to replace it")
                #expect(try Data(contentsOf: stored) == original)
            }
            let replaced = try await upload(
                client, "/api/upload/artifacts?overwrite=true", body: Self.fileForm("chart.png", Data("chart v2".utf8)),
                headers: fixture.auth)
            #expect(replaced.status == .created)
            #expect(try String(contentsOf: stored, encoding: .utf8) == "chart v2")
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder(fixture.data.userArtifacts).path) == ["chart.png"])
        }
        await fixture.dependencies.close()
    }

    @Test func filenamesCannotLeaveTheUsersFolder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        let before = Self.files(under: fixture.data.root)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            for (sent, stored) in [
                ("../x.jsonl", "x.jsonl"), ("a/../../b.jsonl", "b.jsonl"), (#"..\..\c.jsonl"#, "c.jsonl"),
                ("/etc/d.jsonl", "d.jsonl"),
            ] {
                let response = try await upload(
                    client, "/api/upload/sessions", body: Self.fileForm(sent, Data("{}\n".utf8)), headers: fixture.auth)
                #expect(response.status == .created, "\(sent)")
                #expect(try jsonObject(response)["path"] as? String == "user_sessions/\(fixture.ana.id)/\(stored)", "\(sent)")
            }
            let refusals: [(String, String)] = [
                ("..", "The filename may not be \".\" or \"..\""),
                ("../..", "The filename may not be \".\" or \"..\""),
                (".hidden.jsonl", "The filename may not start with \".\""),
                ("sub/.hidden.jsonl", "The filename may not start with \".\""),
                ("", "The filename is empty (a name is needed after any directory part)"),
                ("dir/", "The filename is empty (a name is needed after any directory part)"),
                ("bad\u{01}name.jsonl", "The filename may not contain control characters"),
                (String(repeating: "é", count: 125) + ".jsonl", "The filename may be at most 255 bytes (UTF-8)"),
            ]
            for (sent, message) in refusals {
                let response = try await upload(
                    client, "/api/upload/sessions", body: Self.fileForm(sent, Data("{}\n".utf8)), headers: fixture.auth)
                #expect(response.status == .badRequest, "\(sent)")
                #expect(try detail(response) == message, "\(sent)")
            }
            let noFilename = try await upload(
                client, "/api/upload/artifacts", body: Self.form([("name=\"file\"", Data("x".utf8))]), headers: fixture.auth)
            #expect(noFilename.status == .badRequest)
            #expect(try detail(noFilename)?.hasPrefix("The \"file\" part has no filename") == true)
        }
        let written = Self.files(under: fixture.data.root).subtracting(before).filter { !$0.hasPrefix("state/") }
        let folder = "user_sessions/\(fixture.ana.id)/"
        #expect(written == [folder + "x.jsonl", folder + "b.jsonl", folder + "c.jsonl", folder + "d.jsonl"])
        #expect(!FileManager.default.fileExists(atPath: directory.appending("x.jsonl")))
        #expect(!FileManager.default.fileExists(atPath: fixture.data.userSessions.appendingPathComponent("b.jsonl").path))
        await fixture.dependencies.close()
    }

    @Test func badFormsAreRefusedWithWhatToFixAndLeaveNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let notJSONL = try await upload(
                client, "/api/upload/sessions", body: Self.fileForm("notes.txt", Data("x".utf8)), headers: fixture.auth)
            #expect(notJSONL.status == .badRequest)
            #expect(try detail(notJSONL) == "A session must be a Claude Code transcript ending in .jsonl, got \"notes.txt\"")

            let noFile = try await upload(
                client, "/api/upload/sessions", body: Self.form([("name=\"other\"; filename=\"a.jsonl\"", Data("x".utf8))]),
                headers: fixture.auth)
            #expect(noFile.status == .badRequest)
            #expect(try detail(noFile) == "The form has no field \"file\": send the file as the multipart field \"file\"")

            let json = try await upload(
                client, "/api/upload/artifacts", body: Data("{}".utf8), headers: fixture.auth, contentType: "application/json")
            #expect(json.status == .unsupportedMediaType)
            #expect(try detail(json)?.contains("must be multipart/form-data") == true)
            let noBoundary = try await upload(
                client, "/api/upload/artifacts", body: Self.fileForm("a.txt", Data("x".utf8)), headers: fixture.auth,
                contentType: "multipart/form-data")
            #expect(noBoundary.status == .badRequest)
            #expect(try detail(noBoundary) == "The multipart/form-data Content-Type has no boundary parameter")
            let quoted = try await upload(
                client, "/api/upload/artifacts", body: Self.fileForm("quoted.txt", Data("q".utf8)), headers: fixture.auth,
                contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"\(Self.boundary)\"")
            #expect(quoted.status == .created, "a quoted boundary and other parameters are fine")

            let file = ("name=\"file\"; filename=\"cut.jsonl\"", Self.awkwardContent)
            let cuts: [(String, Data)] = [
                ("cut inside the file", Self.form([file], close: false).dropLast(5)),
                ("no closing boundary", Self.form([file], close: false)),
                (
                    "cut in a later part",
                    Self.form([file, ("name=\"x\"", Data("y".utf8))], close: false) + Data("--\(Self.boundary)\r\nContent-Dis".utf8)
                ),
            ]
            for (name, body) in cuts {
                let truncated = try await upload(client, "/api/upload/sessions", body: body, headers: fixture.auth)
                #expect(truncated.status == .badRequest, "\(name)")
                #expect(
                    try detail(truncated) == "The multipart body ended before its closing boundary: send the complete form", "\(name)")
            }
            let wrongBoundary = try await upload(
                client, "/api/upload/sessions", body: Self.fileForm("a.jsonl", Data("x".utf8)), headers: fixture.auth,
                contentType: "multipart/form-data; boundary=something-else")
            #expect(wrongBoundary.status == .badRequest)
        }
        let sessions = fixture.folder(fixture.data.userSessions).path
        #expect((try? FileManager.default.contentsOfDirectory(atPath: sessions)) ?? [] == [], "no file and no temporary file")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: fixture.folder(fixture.data.userArtifacts).path) == ["quoted.txt"])
        await fixture.dependencies.close()
    }

    @Test func filesOverTheLimitAreRefusedWith413() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory, maxUserUpload: 1_000)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let exactly = try await upload(
                client, "/api/upload/artifacts", body: Self.fileForm("fits.bin", Data(repeating: 7, count: 1_000)), headers: fixture.auth)
            #expect(exactly.status == .created, "the limit is the file's size, not the form's")

            let message =
                "The file is larger than the upload limit of 1000 bytes (data.max_user_upload_mb in instance.yaml or USER_UPLOAD_MAX_MB)"
            let streamed = try await upload(
                client, "/api/upload/artifacts", body: Self.fileForm("big.bin", Data(repeating: 7, count: 1_001)), headers: fixture.auth)
            #expect(streamed.status == .contentTooLarge, "caught while streaming")
            #expect(try detail(streamed) == message)

            // The file part comes first with a name that would be refused (400) once read: only the check of the
            // declared length before reading answers 413 here.
            let upFront = try await upload(
                client, "/api/upload/sessions",
                body: Self.form([
                    ("name=\"file\"; filename=\".refused-if-read.jsonl\"", Data("{}".utf8)),
                    ("name=\"padding\"", Data(repeating: 1, count: 70_000)),
                ]),
                headers: fixture.auth)
            #expect(upFront.status == .contentTooLarge, "caught from Content-Length before reading")
            #expect(try detail(upFront) == message)

            let hugeForm = try await upload(
                client, "/api/upload/sessions",
                body: Self.form([("name=\"padding\"", Data(repeating: 1, count: 70_000)), ("name=\"file\"; filename=\"s.jsonl\"", Data())]),
                headers: fixture.auth)
            #expect(hugeForm.status == .contentTooLarge, "other fields count against the body limit")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder(fixture.data.userArtifacts).path) == ["fits.bin"])
        #expect((try? FileManager.default.contentsOfDirectory(atPath: fixture.folder(fixture.data.userSessions).path)) ?? [] == [])
        await fixture.dependencies.close()
    }

    @Test func everyUploadNeedsASignedInUser() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            for uri in ["/api/upload/sessions", "/api/upload/artifacts"] {
                let response = try await upload(client, uri, body: Self.fileForm("a.jsonl", Data("x".utf8)), headers: [:])
                #expect(response.status == .unauthorized)
                #expect(try detail(response) == "Missing or invalid Authorization header")
            }
            let markdown = try await client.post("/api/upload/local-md", json: #"{"content":"x"}"#)
            #expect(markdown.status == .unauthorized)
            let badToken = try await client.post(
                "/api/upload/local-md", json: #"{"content":"x"}"#, headers: [.authorization: "Bearer not-a-token"])
            #expect(badToken.status == .unauthorized)
        }
        #expect(Self.files(under: fixture.data.userSessions).isEmpty)
        #expect(Self.files(under: fixture.data.userArtifacts).isEmpty)
        #expect(Self.files(under: fixture.data.userLocalMarkdown).isEmpty)
        await fixture.dependencies.close()
    }

    @Test func localMarkdownIsStoredUnderTheUserIdAndLimitedTo1MB() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixture = try await fixture(in: directory)
        try await buildApplication(dependencies: fixture.dependencies).test(.router) { client in
            let content = "# My notes\n\nPrefer `orders_v2`. Ünïcödé ✓\n"
            let stored = try await client.post(
                "/api/upload/local-md", json: ##"{"content":"# My notes\n\nPrefer `orders_v2`. Ünïcödé ✓\n"}"##, headers: fixture.auth)
            #expect(stored.status == .ok)
            let answer = try jsonObject(stored)
            #expect(Set(answer.keys) == ["status", "user", "size"])
            #expect(answer["status"] as? String == "ok")
            #expect(answer["user"] as? String == "ana@example.com")
            #expect(answer["size"] as? Int == content.utf8.count, "size in bytes")
            let file = fixture.data.userLocalMarkdown.appendingPathComponent("\(fixture.ana.id).md")
            #expect(try String(contentsOf: file, encoding: .utf8) == content)

            let tooBig = try await client.post(
                "/api/upload/local-md", json: #"{"content":""# + String(repeating: "a", count: (1 << 20) + 1) + #""}"#,
                headers: fixture.auth)
            #expect(tooBig.status == .contentTooLarge)
            #expect(try detail(tooBig) == "The content is larger than the limit of 1 MB for CLAUDE.local.md")
            let escapedTooBig = try await client.post(
                "/api/upload/local-md", json: #"{"content":""# + String(repeating: #"\u0001"#, count: (1 << 20) + 1) + #""}"#,
                headers: fixture.auth)
            #expect(escapedTooBig.status == .contentTooLarge)
            #expect(try String(contentsOf: file, encoding: .utf8) == content, "a refused upload keeps the last one")

            let replaced = try await client.post("/api/upload/local-md", json: #"{"content":""}"#, headers: fixture.auth)
            #expect(replaced.status == .ok)
            #expect(try jsonObject(replaced)["size"] as? Int == 0)
            #expect(try String(contentsOf: file, encoding: .utf8) == "")
            let missing = try await client.post("/api/upload/local-md", json: #"{"text":"x"}"#, headers: fixture.auth)
            #expect(missing.status == .unprocessableContent)
            #expect(try detail(missing) == "field \"content\" is required")
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.data.userLocalMarkdown.path) == ["\(fixture.ana.id).md"])

            try await fixture.dependencies.background.audit.flush()
            let entries = try await fixture.dependencies.background.audit.search(action: "/api/upload/local-md")
            #expect(entries.count == 5)
            #expect(entries.allSatisfy { $0.params == nil }, "uploaded contents are not copied into the audit log")
        }
        await fixture.dependencies.close()
    }

    @Test func theUserUploadLimitComesFromTheEnvironmentOrInstanceYAML() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secret = ["JWT_SECRET_KEY": "upload-test-secret-0123456789abcdef"]
        let defaults = try ServerLauncher.configuration(flags: .init(), environment: secret, currentDirectory: "/nowhere")
        #expect(defaults.uploads.maxUserFileBytes == 50 << 20)
        try FileManager.default.createDirectory(atPath: directory.appending("config"), withIntermediateDirectories: true)
        try "data:\n  max_user_upload_mb: 7\n".write(toFile: directory.appending("config/instance.yaml"), atomically: true, encoding: .utf8)
        let fromYAML = try ServerLauncher.configuration(flags: .init(), environment: secret, currentDirectory: directory.path)
        #expect(fromYAML.uploads.maxUserFileBytes == 7 << 20)
        #expect(fromYAML.instance.warnings.isEmpty, "a known key")
        let fromEnvironment = try ServerLauncher.configuration(
            flags: .init(), environment: secret.merging(["USER_UPLOAD_MAX_MB": "3"]) { $1 }, currentDirectory: directory.path)
        #expect(fromEnvironment.uploads.maxUserFileBytes == 3 << 20)
        let bad = #expect(throws: LaunchError.self) {
            try ServerLauncher.configuration(
                flags: .init(), environment: secret.merging(["USER_UPLOAD_MAX_MB": "lots"]) { $1 }, currentDirectory: "/nowhere")
        }
        #expect(bad?.description.hasPrefix("USER_UPLOAD_MAX_MB must be a whole number of megabytes") == true)
        try "data:\n  max_user_upload_mb: 0\n".write(toFile: directory.appending("config/instance.yaml"), atomically: true, encoding: .utf8)
        let zero = #expect(throws: LaunchError.self) {
            try ServerLauncher.configuration(flags: .init(), environment: secret, currentDirectory: directory.path)
        }
        #expect(zero?.description.hasPrefix("data.max_user_upload_mb must be from 1 to") == true)
    }
}

/// The streaming multipart reader on its own.
struct MultipartReaderTests {
    /// Feeds `body` in chunks of `size` bytes and returns the parts (head, content) and whether the form was closed.
    static func parse(_ body: Data, boundary: String, chunkSize size: Int) throws -> [(MultipartReader.PartHead, Data)] {
        var reader = MultipartReader(boundary: boundary)
        var parts: [(MultipartReader.PartHead, Data)] = []
        var offset = 0
        while true {
            switch try reader.next() {
            case .part(let head): parts.append((head, Data()))
            case .bytes(let bytes):
                #expect(!parts.isEmpty)
                parts[parts.count - 1].1 += Data(buffer: bytes)
            case .partEnd: continue
            case .end: return parts
            case .needMoreData:
                if offset < body.count {
                    let end = min(offset + size, body.count)
                    reader.append(ByteBuffer(bytes: body[offset..<end]))
                    offset = end
                } else {
                    reader.finishInput()
                }
            }
        }
    }

    static let boundary = UploadRouteTests.boundary

    @Test func partsAreTheSameWhateverTheChunkSize() throws {
        let content = UploadRouteTests.awkwardContent
        let body = UploadRouteTests.form([
            ("name=\"note\"", Data("hello".utf8)), ("name=\"file\"; filename=\"a \\\"quoted\\\"; name.jsonl\"", content),
            ("name=\"empty\"", Data()),
        ])
        for size in [1, 2, 3, 7, Self.boundary.utf8.count, Self.boundary.utf8.count + 4, 64, body.count] {
            let parts = try Self.parse(body, boundary: Self.boundary, chunkSize: size)
            #expect(parts.map(\.0.name) == ["note", "file", "empty"], "chunks of \(size)")
            #expect(parts.map(\.1) == [Data("hello".utf8), content, Data()], "chunks of \(size)")
            #expect(parts[1].0.filename == "a \"quoted\"; name.jsonl")
            #expect(parts[1].0.contentType == "application/octet-stream")
        }
    }

    @Test func aBodyWithoutItsClosingBoundaryIsTruncatedAtAnyChunkSize() throws {
        let open = UploadRouteTests.form([("name=\"file\"; filename=\"a.jsonl\"", Data("{}\n".utf8))], close: false)
        for cut in [open, open + Data("--\(Self.boundary)".utf8), open + Data("--\(Self.boundary)-".utf8), open.dropLast(5)] {
            for size in [1, 5, cut.count] {
                #expect(throws: MultipartReader.Failure.truncated) {
                    _ = try Self.parse(cut, boundary: Self.boundary, chunkSize: size)
                }
            }
        }
        #expect(try Self.parse(Data("--b--".utf8), boundary: "b", chunkSize: 1).isEmpty, "an empty form is complete")
    }

    @Test func malformedPartsAreNamed() throws {
        let noColon = Data("--b\r\nContent-Disposition form-data\r\n\r\nx\r\n--b--".utf8)
        #expect(throws: MultipartReader.Failure.malformed("the part header line \"Content-Disposition form-data\" has no colon")) {
            _ = try Self.parse(noColon, boundary: "b", chunkSize: 3)
        }
        let hugeHeaders = Data("--b\r\nX-Pad: \(String(repeating: "p", count: MultipartReader.maxHeaderBytes))\r\n\r\nx\r\n--b--".utf8)
        #expect(throws: MultipartReader.Failure.malformed("a part's headers are longer than 16384 bytes")) {
            _ = try Self.parse(hugeHeaders, boundary: "b", chunkSize: 1000)
        }
    }

    @Test func boundariesComeFromTheContentType() {
        #expect(MultipartReader.boundary(contentType: "multipart/form-data; boundary=abc") == .success("abc"))
        #expect(MultipartReader.boundary(contentType: "multipart/form-data;boundary=\"a b;c\"") == .success("a b;c"))
        #expect(MultipartReader.boundary(contentType: "MULTIPART/FORM-DATA; Boundary=x") == .success("x"))
        #expect(MultipartReader.boundary(contentType: "multipart/form-data") == .failure(.missingBoundary))
        #expect(MultipartReader.boundary(contentType: "multipart/form-data; boundary=\"\"") == .failure(.missingBoundary))
        #expect(
            MultipartReader.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71))
                == .failure(.invalidBoundary))
        #expect(MultipartReader.boundary(contentType: "text/plain") == .failure(.notMultipart("text/plain")))
        #expect(MultipartReader.boundary(contentType: nil) == .failure(.notMultipart(nil)))
    }

    /// The whole stream the route uses, with the request body arriving one byte at a time.
    @Test func theFileStreamReadsABodyArrivingOneByteAtATime() async throws {
        let content = UploadRouteTests.awkwardContent + Data(repeating: 0x2D, count: 300)
        let body = UploadRouteTests.fileForm("s.jsonl", content)
        let (chunks, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        for byte in body { continuation.yield(ByteBuffer(bytes: [byte])) }
        continuation.finish()
        var stream = MultipartFileStream(
            body: RequestBody(asyncSequence: chunks), boundary: UploadRouteTests.boundary, field: "file", limit: 10_000,
            bodyLimit: 20_000)
        let head = try #require(try await stream.readFileHead())
        #expect(head.filename == "s.jsonl")
        var received = Data()
        for try await bytes in stream { received += Data(buffer: bytes) }
        #expect(received == content)
        try stream.outcome.check()
    }

    /// A failure ends the stream early (file writers wrap errors thrown by what they write) and is kept for the caller.
    @Test func aTruncatedOrOversizedFileEndsTheStreamWithTheFailureKept() async throws {
        func stream(_ body: Data, limit: Int64) async throws -> (MultipartFileStream, Data) {
            var stream = MultipartFileStream(
                body: RequestBody(buffer: ByteBuffer(bytes: body)), boundary: UploadRouteTests.boundary, field: "file",
                limit: limit, bodyLimit: 1 << 20)
            #expect(try await stream.readFileHead() != nil)
            var received = Data()
            for try await bytes in stream { received += Data(buffer: bytes) }
            return (stream, received)
        }
        let content = Data(repeating: 0x41, count: 500)
        let (truncated, _) = try await stream(
            UploadRouteTests.form([("name=\"file\"; filename=\"a\"", content)], close: false), limit: 10_000)
        #expect(throws: MultipartReader.Failure.truncated) { try truncated.outcome.check() }
        let (oversized, partial) = try await stream(UploadRouteTests.fileForm("a", content), limit: 100)
        #expect(throws: MultipartFileStream.FileTooLarge.self) { try oversized.outcome.check() }
        #expect(partial.count <= 100)
        let (complete, all) = try await stream(UploadRouteTests.fileForm("a", content), limit: 500)
        try complete.outcome.check()
        #expect(all == content)

        var padded = MultipartFileStream(
            body: RequestBody(
                buffer: ByteBuffer(bytes: UploadRouteTests.form([("name=\"pad\"", content), ("name=\"file\"; filename=\"a\"", content)]))),
            boundary: UploadRouteTests.boundary, field: "file", limit: 1_000, bodyLimit: 300)
        await #expect(throws: SizeLimitedBody.TooLarge.self, "the whole body is limited too") { try await padded.readFileHead() }
    }
}
