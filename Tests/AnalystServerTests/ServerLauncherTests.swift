import AnalystCore
import AnalystServer
import Foundation
import TestSupport
import Testing

struct ServerLauncherTests {
    static let secret = ["JWT_SECRET_KEY": "launcher-test-secret-0123456789abcdef"]

    @Test func aTokenSecretIsRequiredOutsideDevelopmentMode() throws {
        let missing = #expect(throws: LaunchError.self) {
            try ServerLauncher.configuration(flags: .init(), environment: [:], currentDirectory: "/nowhere")
        }
        #expect(missing?.description.contains("JWT_SECRET_KEY is not set") == true)
        let short = #expect(throws: LaunchError.self) {
            try ServerLauncher.configuration(flags: .init(), environment: ["JWT_SECRET_KEY": "short"], currentDirectory: "/nowhere")
        }
        #expect(short?.description.contains("at least 32 characters") == true)
        let development = try ServerLauncher.configuration(
            flags: .init(developmentMode: true), environment: [:], currentDirectory: "/nowhere")
        #expect(development.auth.jwtSecret == nil)
        #expect(development.auth.tokenLifetime == .seconds(24 * 3600))
    }

    @Test func flagsBeatEnvironmentBeatsInstanceYAMLBeatsDefaults() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.appending("config"), withIntermediateDirectories: true)
        try "server:\n  host: 0.0.0.0\n  port: 9000\nquery:\n  pool_size: 3\n".write(
            toFile: directory.appending("config/instance.yaml"), atomically: true, encoding: .utf8)

        let fromYAML = try ServerLauncher.configuration(flags: .init(), environment: Self.secret, currentDirectory: directory.path)
        #expect(fromYAML.host == "0.0.0.0")
        #expect(fromYAML.port == 9000)
        #expect(fromYAML.query.poolSize == 3)
        #expect(fromYAML.dataDirectory.root.path == directory.url.appendingPathComponent("data").standardizedFileURL.path)

        let fromEnvironment = try ServerLauncher.configuration(
            flags: .init(), environment: Self.secret.merging(["HOST": "127.0.0.2", "PORT": "9100", "DATA_DIR": "/srv/da"]) { $1 },
            currentDirectory: directory.path)
        #expect(fromEnvironment.host == "127.0.0.2")
        #expect(fromEnvironment.port == 9100)
        #expect(fromEnvironment.dataDirectory.root.path == "/srv/da")

        let fromFlags = try ServerLauncher.configuration(
            flags: .init(dataDir: "d", host: "127.0.0.3", port: 9200, developmentMode: true),
            environment: ["HOST": "127.0.0.2", "PORT": "9100"], currentDirectory: directory.path)
        #expect(fromFlags.host == "127.0.0.3")
        #expect(fromFlags.port == 9200)
        #expect(fromFlags.developmentMode)
        #expect(fromFlags.dataDirectory.root.path == directory.url.appendingPathComponent("d").standardizedFileURL.path)

        let defaults = try ServerLauncher.configuration(flags: .init(), environment: Self.secret, currentDirectory: "/nowhere")
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 8000)
        #expect(defaults.query.poolSize == 4)
    }

    /// Each setting group is read from its own scope, and the launcher's defaults are the code's.
    @Test func settingGroupsComeFromTheirScopesWithTheCodesDefaults() throws {
        let defaults = try ServerLauncher.configuration(flags: .init(), environment: Self.secret, currentDirectory: "/nowhere")
        let code = ServerConfiguration(dataDirectory: DataDirectory("/nowhere/data"))
        #expect(defaults.query == code.query)
        #expect(defaults.uploads == code.uploads)
        #expect(defaults.zeroCopyDownloads == code.zeroCopyDownloads)
        #expect(defaults.auth.tokenLifetime == code.auth.tokenLifetime)

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.appending("config"), withIntermediateDirectories: true)
        try """
        server:
          sendfile: false
        query:
          timeout_seconds: 5
          max_rows: 10
          memory_limit: 1GB
        data:
          max_upload_mb: 2
          max_user_upload_mb: 3
        auth:
          jwt_lifetime_hours: 2
        """.write(toFile: directory.appending("config/instance.yaml"), atomically: true, encoding: .utf8)
        let configured = try ServerLauncher.configuration(
            flags: .init(), environment: Self.secret.merging(["USER_UPLOAD_MAX_MB": "4"]) { $1 }, currentDirectory: directory.path)
        #expect(configured.zeroCopyDownloads == false)
        #expect(configured.query.timeout == .seconds(5))
        #expect(configured.query.maxRows == 10)
        #expect(configured.query.memoryLimit == "1GB")
        #expect(configured.uploads.maxTableBytes == 2 << 20)
        #expect(configured.uploads.maxUserFileBytes == 4 << 20, "the environment beats instance.yaml")
        #expect(configured.auth.tokenLifetime == .seconds(2 * 3600))
    }

    @Test func badSettingsAreRefusedWithAMessage() throws {
        let badPort = #expect(throws: LaunchError.self) {
            try ServerLauncher.configuration(
                flags: .init(), environment: Self.secret.merging(["PORT": "eighty"]) { $1 }, currentDirectory: "/nowhere")
        }
        #expect(badPort?.description == "PORT must be a number, got \"eighty\"")
        let outOfRange = #expect(throws: LaunchError.self) {
            try ServerLauncher.configuration(flags: .init(port: 70_000), environment: Self.secret, currentDirectory: "/nowhere")
        }
        #expect(outOfRange?.description.contains("between 0 and 65535") == true)
    }
}
