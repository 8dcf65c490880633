import Foundation
import Testing

@testable import AnalystCore

@Suite("InstanceConfig")
struct InstanceConfigTests {
    // MARK: - Types and tree

    @Test func scalarsFollowYAMLTypeResolution() throws {
        let yaml = """
            sample:
              plain_int: 8000
              quoted_int: "8000"
              flag: true
              tilde: ~
              word_null: null
              ratio: 1.5
              text: hello
              items: [a, 2, false]
            """
        let config = try InstanceConfig.parse(yaml: yaml, path: nil, environment: [:])
        #expect(config.root.value(at: "sample.plain_int") == .int(8000))
        #expect(config.root.value(at: "sample.quoted_int") == .string("8000"))
        #expect(config.root.value(at: "sample.flag") == .bool(true))
        #expect(config.root.value(at: "sample.tilde") == .null)
        #expect(config.root.value(at: "sample.word_null") == .null)
        #expect(config.root.value(at: "sample.ratio") == .double(1.5))
        #expect(config.root.value(at: "sample.text") == .string("hello"))
        #expect(config.root.value(at: "sample.items") == .list([.string("a"), .int(2), .bool(false)]))
        #expect(config.warnings.isEmpty)
        #expect(config.path == nil)
    }

    @Test func unknownKeysAreKeptInFileOrder() throws {
        let yaml = """
            zebra: 1
            server:
              port: 9000
              my_extra: kept
            theme:
              colors:
                primary: "#123456"
            alpha: 2
            """
        let config = try InstanceConfig.parse(yaml: yaml, path: nil, environment: [:])
        #expect(config.root.value(at: "theme.colors.primary") == .string("#123456"))
        #expect(config.string("server.my_extra") == "kept")
        #expect(config.int("server.port") == 9000)
        guard case .mapping(let pairs) = config.root else {
            Issue.record("root should be a mapping")
            return
        }
        #expect(pairs.map(\.key) == ["zebra", "server", "theme", "alpha"])
        #expect(config.root.value(at: "theme.missing.deeper") == nil)
        #expect(config.root["zebra"]?["anything"] == nil)
    }

    @Test func mappingEqualityRespectsKeyOrder() {
        let forward = ConfigValue.mapping([(key: "a", value: .int(1)), (key: "b", value: .int(2))])
        let same = ConfigValue.mapping([(key: "a", value: .int(1)), (key: "b", value: .int(2))])
        let reversed = ConfigValue.mapping([(key: "b", value: .int(2)), (key: "a", value: .int(1))])
        #expect(forward == same)
        #expect(forward != reversed)
        #expect(forward != .list([.int(1), .int(2)]))
    }

    @Test func mergeKeysCopyAnchoredDefaults() throws {
        let yaml = """
            defaults: &defaults
              timeout_seconds: 30
              max_rows: 100
            query:
              <<: *defaults
              max_rows: 500
            """
        let config = try InstanceConfig.parse(yaml: yaml, path: nil, environment: [:])
        #expect(config.int("query.timeout_seconds") == 30)
        #expect(config.int("query.max_rows") == 500)
        #expect(config.root.value(at: "query.<<") == nil)
    }

    @Test func emptyDocumentIsAnEmptyConfig() throws {
        let config = try InstanceConfig.parse(yaml: "# nothing configured yet\n", path: nil, environment: [:])
        #expect(config.root == .emptyMapping)
    }

    // MARK: - Environment substitution

    @Test func substitutesEnvironmentVariables() throws {
        let yaml = """
            server:
              public_url: "https://${HOST}:${PORT}/app"
              hostname: ${MISSING}
            ai:
              model: ${AI_MODEL:-claude-haiku}
              provider: ${AI_PROVIDER:-anthropic}
              base_url: ${BASE_URL:-http://fallback}
            custom:
              literal: "cost: $5 and ${not a ref}"
            """
        let environment = ["HOST": "analyst.example.com", "PORT": "8443", "AI_PROVIDER": "", "BASE_URL": "http://set"]
        let config = try InstanceConfig.parse(yaml: yaml, path: nil, environment: environment)
        #expect(config.string("server.public_url") == "https://analyst.example.com:8443/app")
        #expect(config.root.value(at: "server.hostname") == .string(""))
        #expect(config.string("ai.model") == "claude-haiku", "default applies when the variable is unset")
        #expect(config.string("ai.provider") == "anthropic", "default applies when the variable is empty")
        #expect(config.string("ai.base_url") == "http://set", "a set variable wins over its default")
        #expect(config.string("custom.literal") == "cost: $5 and ${not a ref}")
        #expect(config.warnings == ["instance.yaml: environment variable MISSING is not set (used by server.hostname)"])
    }

    @Test func unsetVariableWarningNamesTheKey() throws {
        let config = try InstanceConfig.parse(yaml: "server:\n  port: ${PORT}\n", path: nil, environment: [:])
        #expect(config.warnings == ["instance.yaml: environment variable PORT is not set (used by server.port)"])
        #expect(config.root.value(at: "server.port") == .string(""))
        #expect(config.int("server.port") == nil)
    }

    @Test func wholeUnquotedReferenceIsRetyped() throws {
        let yaml = """
            server:
              port: ${PORT}
            email:
              smtp_port: "${SMTP_PORT}"
              smtp_password: ${SMTP_PASSWORD}
            custom:
              enabled: ${ENABLED}
              label: port ${PORT}
            """
        let environment = ["PORT": "8000", "SMTP_PORT": "587", "SMTP_PASSWORD": "007", "ENABLED": "true"]
        let config = try InstanceConfig.parse(yaml: yaml, path: nil, environment: environment)
        #expect(config.root.value(at: "server.port") == .int(8000))
        #expect(config.root.value(at: "email.smtp_port") == .string("587"), "quoted references stay text")
        #expect(config.int("email.smtp_port") == 587)
        #expect(config.root.value(at: "email.smtp_password") == .string("007"), "string keys keep the text")
        #expect(config.root.value(at: "custom.enabled") == .bool(true))
        #expect(config.root.value(at: "custom.label") == .string("port 8000"))
    }

    // MARK: - Validation

    @Test func wrongTypeErrorNamesTheKey() throws {
        let yaml = "email:\n  smtp_port: abc\n"
        let error = try #require(throws: ConfigError.self) {
            try InstanceConfig.parse(yaml: yaml, path: nil, environment: [:])
        }
        #expect(error == .wrongType(key: "email.smtp_port", expected: "an integer", found: "the string \"abc\""))
        #expect(error.description == "instance.yaml: email.smtp_port must be an integer, found the string \"abc\"")
    }

    @Test func numberWhereTextIsExpectedSuggestsQuotes() throws {
        let error = try #require(throws: ConfigError.self) {
            try InstanceConfig.parse(yaml: "instance:\n  name: 2024\n", path: nil, environment: [:])
        }
        #expect(error == .wrongType(key: "instance.name", expected: "a string", found: "the integer 2024"))
        #expect(error.description.contains("quotes"))
    }

    @Test func sectionThatIsNotAMappingIsRejected() throws {
        let error = try #require(throws: ConfigError.self) {
            try InstanceConfig.parse(yaml: "email: oops\n", path: nil, environment: [:])
        }
        #expect(error == .wrongType(key: "email", expected: "a mapping", found: "the string \"oops\""))
    }

    @Test func smtpTLSMustBeAnAllowedValue() throws {
        let error = try #require(throws: ConfigError.self) {
            try InstanceConfig.parse(yaml: "email:\n  smtp_tls: ssl\n", path: nil, environment: [:])
        }
        guard case .invalidValue(let key, _) = error else {
            Issue.record("expected invalidValue, got \(error)")
            return
        }
        #expect(key == "email.smtp_tls")
        let message = error.description
        #expect(message.hasPrefix("instance.yaml: email.smtp_tls"))
        #expect(message.contains("\"starttls\"") && message.contains("\"tls\"") && message.contains("\"none\""))
        #expect(message.contains("\"ssl\""))
        let accepted = try InstanceConfig.parse(yaml: "email:\n  smtp_tls: tls\n", path: nil, environment: [:])
        #expect(accepted.string("email.smtp_tls") == "tls")
    }

    @Test func nullAndLenientValuesPassValidation() throws {
        let yaml = """
            server:
              port: ~
            auth:
              allowed_domain: [a.com, b.com]
              jwt_lifetime_hours: "48"
            email:
              smtp_port: null
            """
        let config = try InstanceConfig.parse(yaml: yaml, path: nil, environment: [:])
        #expect(config.int("server.port") == nil)
        #expect(config.int("auth.jwt_lifetime_hours") == 48)
        #expect(config.stringList("auth.allowed_domain") == ["a.com", "b.com"])
        #expect(InstanceConfig.ConfigType.double.accepts(.int(3)))
        #expect(!InstanceConfig.ConfigType.int.accepts(.double(1.5)))
        #expect(InstanceConfig.knownKeys["auth.allowed_domain"] == .stringOrList)
    }

    @Test func topLevelListIsRejected() throws {
        let error = try #require(throws: ConfigError.self) {
            try InstanceConfig.parse(yaml: "- a\n- b\n", path: "/etc/da/instance.yaml", environment: [:])
        }
        #expect(error == .notAMapping(path: "/etc/da/instance.yaml"))
        #expect(error.description.hasPrefix("/etc/da/instance.yaml:"))
    }

    @Test func invalidYAMLReportsParserMessageWithLine() throws {
        let yaml = "server:\n  port: 8000\n  host: [127.0.0.1\n"
        let error = try #require(throws: ConfigError.self) {
            try InstanceConfig.parse(yaml: yaml, path: "cfg/instance.yaml", environment: [:])
        }
        guard case .invalidYAML(let path, let message) = error else {
            Issue.record("expected invalidYAML, got \(error)")
            return
        }
        #expect(path == "cfg/instance.yaml")
        #expect(message.contains("4:"), "Yams reports the line:column of the problem: \(message)")
        #expect(error.description.hasPrefix("cfg/instance.yaml: not valid YAML"))
    }

    // MARK: - Accessors

    @Test func typedAccessorsAreLenientAndNeverCrash() throws {
        let yaml = """
            auth:
              allowed_domain: " example.com, corp.example ,"
            custom:
              yes_word: "Yes"
              zero: "0"
              off: false
              digits: " 42 "
              ratio: 2
              nested: {a: 1}
            """
        let config = try InstanceConfig.parse(yaml: yaml, path: nil, environment: [:])
        #expect(config.stringList("auth.allowed_domain") == ["example.com", "corp.example"])
        #expect(config.bool("custom.yes_word") == true)
        #expect(config.bool("custom.zero") == false)
        #expect(config.bool("custom.off") == false)
        #expect(config.int("custom.digits") == 42)
        #expect(config.double("custom.ratio") == 2.0)
        #expect(config.string("custom.ratio") == "2")
        #expect(config.int("custom.nested") == nil)
        #expect(config.string("custom.nested") == nil)
        #expect(config.bool("auth.allowed_domain") == nil)
        #expect(config.stringList("custom.nested") == nil)
        #expect(config.int("no.such.key") == nil)
    }

    // MARK: - Loading files

    @Test func loadReadsConfigDir() throws {
        try withTemporaryDirectory { directory in
            let configDirectory = directory.appendingPathComponent("etc")
            try write("server:\n  port: 9100\n", to: configDirectory.appendingPathComponent("instance.yaml"))
            let environment = ["CONFIG_DIR": configDirectory.path]
            let config = try InstanceConfig.load(environment: environment, currentDirectory: "/nonexistent")
            #expect(config.int("server.port") == 9100)
            #expect(config.path == configDirectory.appendingPathComponent("instance.yaml").path)
        }
    }

    @Test func loadFallsBackToConfigUnderCurrentDirectory() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("config").appendingPathComponent("instance.yaml")
            try write("instance:\n  name: Fallback\n", to: file)
            let config = try InstanceConfig.load(environment: [:], currentDirectory: directory.path)
            #expect(config.string("instance.name") == "Fallback")
            #expect(config.path == file.path)
        }
    }

    @Test func missingFileUnderConfigDirThrowsWithPath() throws {
        try withTemporaryDirectory { directory in
            let environment = ["CONFIG_DIR": directory.path]
            let error = try #require(throws: ConfigError.self) {
                try InstanceConfig.load(environment: environment, currentDirectory: directory.path)
            }
            let expectedPath = directory.appendingPathComponent("instance.yaml").path
            #expect(error == .fileNotFound(path: expectedPath))
            #expect(error.description.contains(expectedPath))
        }
    }

    @Test func missingFileWithoutConfigDirGivesEmptyConfig() throws {
        try withTemporaryDirectory { directory in
            let config = try InstanceConfig.load(environment: ["CONFIG_DIR": ""], currentDirectory: directory.path)
            #expect(config.root == .emptyMapping)
            #expect(config.path == nil)
            #expect(config.warnings.isEmpty)
        }
    }

    @Test func shippedExampleLoadsWithUnsetSecrets() throws {
        let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // AnalystCoreTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        let example = repositoryRoot.appendingPathComponent("config").appendingPathComponent("instance.yaml.example")
        let yaml = try String(contentsOf: example, encoding: .utf8)
        let config = try InstanceConfig.parse(yaml: yaml, path: example.path, environment: [:])
        #expect(config.string("server.host") == "127.0.0.1")
        #expect(config.int("server.port") == 8000)
        #expect(config.string("email.smtp_password") == "")
        #expect(
            config.warnings.contains {
                $0 == "instance.yaml: environment variable SMTP_PASSWORD is not set (used by email.smtp_password)"
            })
        let missing = InstanceConfig.knownKeys.keys.filter { config.root.value(at: $0) == nil }.sorted()
        #expect(missing.isEmpty, "the example should show every known key")
    }

    // MARK: - Helpers

    private func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("InstanceConfigTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    private func write(_ text: String, to file: URL) throws {
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }
}
