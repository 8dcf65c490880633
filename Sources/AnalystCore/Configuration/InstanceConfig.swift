import Foundation
import Yams

/// The deployment's `instance.yaml`: every key as written, with `${VAR}` references already substituted.
///
/// Known keys are type-checked at load so a typo fails at startup with the key's name, not later at use.
public struct InstanceConfig: Sendable {
    /// The kind of value a known key must hold.
    public enum ConfigType: Sendable, Equatable {
        case string, int, bool, double, list, mapping
        /// A single string (often a comma list) or a list of strings, e.g. `auth.allowed_domain`.
        case stringOrList
    }

    /// The whole document; an empty mapping when there is no file.
    public let root: ConfigValue
    /// The file this came from; nil when no file was found and defaults apply.
    public let path: String?
    /// Non-fatal problems, such as `${VAR}` references to unset variables, for the caller to log.
    public let warnings: [String]

    /// Wraps an already-built tree without validating it; for callers that assemble a config in code.
    public init(root: ConfigValue = .emptyMapping, path: String? = nil, warnings: [String] = []) {
        self.root = root
        self.path = path
        self.warnings = warnings
    }

    /// Keys the server reads, with the type each must have. Other keys are kept without checks.
    public static let knownKeys: [String: ConfigType] = [
        "instance.name": .string,
        "instance.subtitle": .string,
        "instance.copyright": .string,
        "instance.logo_svg": .string,
        "theme.primary": .string,
        "theme.primary_dark": .string,
        "theme.primary_light": .string,
        "theme.text_primary": .string,
        "theme.text_secondary": .string,
        "theme.background": .string,
        "theme.surface": .string,
        "theme.border": .string,
        "theme.success": .string,
        "theme.warning": .string,
        "theme.error": .string,
        "theme.font_primary": .string,
        "theme.radius": .string,
        "server.hostname": .string,
        "server.host": .string,
        "server.port": .int,
        "server.public_url": .string,
        "server.sendfile": .bool,
        "auth.allowed_domain": .stringOrList,
        "auth.webapp_secret_key": .string,
        "auth.google_client_id": .string,
        "auth.google_client_secret": .string,
        "auth.google_discovery_url": .string,
        "auth.disabled_providers": .list,
        "auth.jwt_lifetime_hours": .int,
        "email.from_address": .string,
        "email.from_name": .string,
        "email.smtp_host": .string,
        "email.smtp_port": .int,
        "email.smtp_user": .string,
        "email.smtp_password": .string,
        "email.smtp_tls": .string,
        "email.smtp_ca_file": .string,
        "data_source.type": .string,
        "keboola.url": .string,
        "keboola.token_env": .string,
        "keboola.job_timeout_seconds": .int,
        "jira.max_event_bytes": .int,
        "bigquery.project": .string,
        "bigquery.project_id": .string,
        "bigquery.location": .string,
        "bigquery.api_url": .string,
        "bigquery.credentials_env": .string,
        "bigquery.page_rows": .int,
        "bigquery.query_timeout_seconds": .int,
        "openmetadata.url": .string,
        "openmetadata.token": .string,
        "openmetadata.token_env": .string,
        "openmetadata.cache_ttl_seconds": .int,
        "openmetadata.timeout_seconds": .int,
        "openmetadata.fqn_prefix": .string,
        "openmetadata.tables": .mapping,
        "openmetadata.export_metrics": .bool,
        "telegram.bot_token": .string,
        "telegram.bot_username": .string,
        "telegram.webhook_url": .string,
        "ai.provider": .string,
        "ai.api_key": .string,
        "ai.base_url": .string,
        "ai.model": .string,
        "ai.api_key_env": .string,
        "ai.structured_output": .string,
        "ai.timeout_seconds": .int,
        "ai.retries": .int,
        "ai.anthropic_api_key": .string,
        "corporate_memory.distribution_mode": .string,
        "corporate_memory.approval_mode": .string,
        "corporate_memory.threshold": .int,
        "corporate_memory.collect_minutes": .int,
        "corporate_memory.review_period_months": .int,
        "remote_query.timeout_seconds": .int,
        "remote_query.max_result_rows": .int,
        "scripts.timeout_seconds": .int,
        "query.pool_size": .int,
        "query.timeout_seconds": .int,
        "query.max_rows": .int,
        "query.memory_limit": .string,
        "data.max_upload_mb": .int,
        "data.max_user_upload_mb": .int,
        "duckdb.threads": .int,
        "duckdb.memory_limit": .string,
        "profiler.sample_size": .int,
        "sync.schedule_check_seconds": .int,
        "profiler.max_categorical_distinct": .int,
        "profiler.top_values_limit": .int,
        "profiler.histogram_bins": .int,
        "profiler.sample_rows_limit": .int,
        "profiler.sample_values_limit": .int,
        "profiler.alert_high_missing_pct": .double,
        "profiler.alert_missing_pct": .double,
        "profiler.alert_imbalance_pct": .double,
        "profiler.alert_high_cardinality": .int,
    ]

    /// Known string keys limited to a fixed set of values.
    public static let allowedValues: [String: [String]] = [
        "email.smtp_tls": ["starttls", "tls", "none"]
    ]

    /// Loads `$CONFIG_DIR/instance.yaml`, or `<currentDirectory>/config/instance.yaml` when CONFIG_DIR is unset.
    ///
    /// A missing file is an error only when CONFIG_DIR names it; otherwise an empty config lets a fresh
    /// checkout start. `environment` is used for CONFIG_DIR and for `${VAR}` substitution.
    public static func load(environment: [String: String], currentDirectory: String) throws -> InstanceConfig {
        // An empty CONFIG_DIR (`CONFIG_DIR=` in a .env file) means "not set", as it does in a shell.
        if let configDirectory = environment["CONFIG_DIR"], !configDirectory.isEmpty {
            let directory =
                configDirectory.hasPrefix("/")
                ? configDirectory : join(currentDirectory, configDirectory)
            let path = standardized(join(directory, "instance.yaml"))
            guard FileManager.default.fileExists(atPath: path) else { throw ConfigError.fileNotFound(path: path) }
            return try parse(yaml: readText(at: path), path: path, environment: environment)
        }
        let path = standardized(join(join(currentDirectory, "config"), "instance.yaml"))
        guard FileManager.default.fileExists(atPath: path) else { return InstanceConfig() }
        return try parse(yaml: readText(at: path), path: path, environment: environment)
    }

    /// Parses, substitutes `${VAR}` / `${VAR:-default}` from `environment`, and validates known keys.
    ///
    /// `path` only names the source in errors; nil reads as "instance.yaml".
    public static func parse(yaml: String, path: String?, environment: [String: String]) throws -> InstanceConfig {
        let source = path ?? "instance.yaml"
        let document: Node?
        do {
            document = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError.invalidYAML(path: source, message: String(describing: error))
        }
        var builder = TreeBuilder(environment: environment)
        let root: ConfigValue
        switch try document.map({ try builder.convert($0, path: "") }) {
        case nil, .null?:
            // A file holding only comments is a valid "nothing configured yet".
            root = .emptyMapping
        case .mapping(let pairs)?:
            root = .mapping(pairs)
        case _?:
            throw ConfigError.notAMapping(path: source)
        }
        try validate(root)
        return InstanceConfig(root: root, path: path, warnings: builder.warnings)
    }

    // MARK: - Typed accessors

    /// Text at a dotted path; numbers and booleans are spelled out. Nil when missing, null or not a scalar.
    public func string(_ path: String) -> String? {
        root.value(at: path)?.stringValue
    }

    /// Integer at a dotted path; a string of digits counts. Nil when missing or not an integer.
    public func int(_ path: String) -> Int? {
        root.value(at: path)?.intValue
    }

    /// Boolean at a dotted path; true/false/yes/no/on/off/1/0 strings count, in any case.
    public func bool(_ path: String) -> Bool? {
        root.value(at: path)?.boolValue
    }

    /// Number at a dotted path; integers and numeric strings count.
    public func double(_ path: String) -> Double? {
        root.value(at: path)?.doubleValue
    }

    /// List of strings at a dotted path, or a comma-separated string split and trimmed.
    public func stringList(_ path: String) -> [String]? {
        root.value(at: path)?.stringListValue
    }
}

// MARK: - Validation

extension InstanceConfig.ConfigType {
    /// Wording for "must be …" in error messages.
    var expectation: String {
        switch self {
        case .string: return "a string"
        case .int: return "an integer"
        case .bool: return "a boolean (true or false)"
        case .double: return "a number"
        case .list: return "a list"
        case .mapping: return "a mapping"
        case .stringOrList: return "a string or a list of strings"
        }
    }

    /// Whether the typed accessor for this type can read `value`. Null and the empty string, which an
    /// unset `${VAR}` produces (and already warns about), both mean "unset" and pass for scalars.
    func accepts(_ value: ConfigValue) -> Bool {
        if value == .null { return true }
        switch self {
        case .string:
            if case .string = value { return true }
            return false
        case .int:
            return value == .string("") || value.intValue != nil
        case .bool:
            return value == .string("") || value.boolValue != nil
        case .double:
            return value == .string("") || value.doubleValue != nil
        case .list:
            if case .list = value { return true }
            return false
        case .mapping:
            if case .mapping = value { return true }
            return false
        case .stringOrList:
            switch value {
            case .string: return true
            case .list: return value.stringListValue != nil
            default: return false
            }
        }
    }
}

extension InstanceConfig {
    /// Checks known sections and keys in a fixed (sorted) order so the same file always reports the same error.
    static func validate(_ root: ConfigValue) throws {
        let sections = Set(knownKeys.keys.compactMap { $0.split(separator: ".").first.map(String.init) })
        for section in sections.sorted() {
            // Without this, `email: oops` would silently hide every email.* key from the checks below.
            guard let value = root[section], value != .null, !ConfigType.mapping.accepts(value) else { continue }
            throw ConfigError.wrongType(key: section, expected: ConfigType.mapping.expectation, found: value.phrase)
        }
        for (key, type) in knownKeys.sorted(by: { $0.key < $1.key }) {
            guard let value = root.value(at: key) else { continue }
            guard type.accepts(value) else {
                throw ConfigError.wrongType(key: key, expected: type.expectation, found: value.phrase)
            }
            if let allowed = allowedValues[key], case .string(let text) = value, !text.isEmpty,
                !allowed.contains(text)
            {
                let choices = allowed.map(\.debugDescription).joined(separator: ", ")
                throw ConfigError.invalidValue(key: key, message: "must be one of \(choices), found \(value.phrase)")
            }
        }
    }
}

// MARK: - Files

extension InstanceConfig {
    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Removes `.` and `..` so error messages show a clean path.
    private static func standardized(_ path: String) -> String {
        URL(fileURLWithPath: path).standardized.path
    }

    private static func readText(at path: String) throws -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ConfigError.unreadable(path: path, reason: "it is a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError.unreadable(path: path, reason: "permission denied or the file vanished")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError.unreadable(path: path, reason: "it is not UTF-8 text")
        }
        return text
    }
}

// MARK: - YAML to ConfigValue

extension InstanceConfig {
    /// Turns a Yams node tree into `ConfigValue`, substituting `${VAR}` and collecting warnings on the way.
    private struct TreeBuilder {
        typealias Pairs = [(key: String, value: ConfigValue)]

        let environment: [String: String]
        var warnings: [String] = []

        mutating func convert(_ node: Node, path: String) throws -> ConfigValue {
            switch node {
            case .scalar(let scalar):
                return convertScalar(scalar, path: path)
            case .sequence(let sequence):
                var items: [ConfigValue] = []
                for (index, item) in sequence.enumerated() {
                    items.append(try convert(item, path: "\(path)[\(index)]"))
                }
                return .list(items)
            case .mapping(let mapping):
                return .mapping(try pairs(of: mapping, path: path))
            case .alias:
                // `compose` replaces aliases with their anchored nodes; this case only exists for emitting.
                throw ConfigError.invalidValue(key: Self.display(path), message: "uses an alias that was never defined")
            }
        }

        private mutating func pairs(of mapping: Node.Mapping, path: String) throws -> Pairs {
            var pairs: Pairs = []
            var inherited: Pairs = []
            for (keyNode, valueNode) in mapping {
                if keyNode.tag.rawValue == Tag.Name.merge.rawValue {
                    inherited += try mergedPairs(valueNode, path: path)
                    continue
                }
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ConfigError.invalidValue(
                        key: Self.display(path), message: "has a list or mapping as a key; keys must be plain names")
                }
                let key = keyScalar.string
                guard !pairs.contains(where: { $0.key == key }) else {
                    throw ConfigError.invalidValue(
                        key: Self.join(path, key), message: "appears twice; keep only one of them")
                }
                pairs.append((key: key, value: try convert(valueNode, path: Self.join(path, key))))
            }
            // YAML merge keys (`<<: *defaults`): keys written in this mapping win, then earlier sources.
            for pair in inherited where !pairs.contains(where: { $0.key == pair.key }) {
                pairs.append(pair)
            }
            return pairs
        }

        private mutating func mergedPairs(_ node: Node, path: String) throws -> Pairs {
            let sources: [Node.Mapping]
            switch node {
            case .mapping(let mapping):
                sources = [mapping]
            case .sequence(let sequence) where sequence.allSatisfy({ $0.mapping != nil }):
                sources = sequence.compactMap(\.mapping)
            default:
                throw ConfigError.invalidValue(
                    key: Self.join(path, "<<"), message: "must be a mapping or a list of mappings, such as *defaults")
            }
            var merged: Pairs = []
            for source in sources {
                for pair in try pairs(of: source, path: path) where !merged.contains(where: { $0.key == pair.key }) {
                    merged.append(pair)
                }
            }
            return merged
        }

        private mutating func convertScalar(_ scalar: Node.Scalar, path: String) -> ConfigValue {
            // Read before `.tag` resolves it: only untagged plain scalars may be re-typed after substitution.
            let isUntaggedPlain = scalar.tag.rawValue == Tag.Name.implicit.rawValue && scalar.style == .plain
            let resolved = Self.typed(scalar)
            guard case .string(let text) = resolved, text.contains("${") else { return resolved }
            let (substituted, isWholeReference) = substitute(text, path: path)
            // `port: ${PORT}` should read as YAML would read `port: 8000`. Keys declared as strings keep the
            // text, or a password like `007` would turn into the integer 7.
            let declaredText = [.string, .stringOrList].contains(InstanceConfig.knownKeys[path])
            guard isUntaggedPlain, isWholeReference, !substituted.isEmpty, !declaredText else {
                return .string(substituted)
            }
            return Self.typed(Node.Scalar(substituted, .implicit, .plain))
        }

        /// Replaces each `${NAME}` or `${NAME:-default}`; text that is not a valid reference stays as written.
        private mutating func substitute(_ text: String, path: String) -> (String, isWholeReference: Bool) {
            var result = ""
            var rest = text[...]
            var references = 0
            var hasLiteralText = false
            while let open = rest.range(of: "${") {
                let literal = rest[..<open.lowerBound]
                result += literal
                hasLiteralText = hasLiteralText || !literal.isEmpty
                let body = rest[open.upperBound...]
                guard let close = body.firstIndex(of: "}"), let value = lookUp(body[..<close], path: path) else {
                    result += "${"
                    hasLiteralText = true
                    rest = body
                    continue
                }
                result += value
                references += 1
                rest = body[body.index(after: close)...]
            }
            result += rest
            return (result, references == 1 && !hasLiteralText && rest.isEmpty)
        }

        /// The value for one reference body (`NAME` or `NAME:-default`); nil when it is not a reference.
        private mutating func lookUp(_ body: Substring, path: String) -> String? {
            let name: Substring
            let fallback: Substring?
            if let separator = body.range(of: ":-") {
                name = body[..<separator.lowerBound]
                fallback = body[separator.upperBound...]
            } else {
                name = body
                fallback = nil
            }
            guard Self.isVariableName(name) else { return nil }
            let value = environment[String(name)]
            if let fallback, value?.isEmpty ?? true {
                return String(fallback)
            }
            guard let value else {
                warnings.append(
                    "instance.yaml: environment variable \(name) is not set (used by \(Self.display(path)))")
                return ""
            }
            return value
        }

        private static func isVariableName(_ name: Substring) -> Bool {
            let isDigit: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
            guard let first = name.unicodeScalars.first, !isDigit(first) else { return false }
            return name.unicodeScalars.allSatisfy {
                $0 == "_" || isDigit($0) || ("A"..."Z").contains($0) || ("a"..."z").contains($0)
            }
        }

        /// The value YAML's own type resolution gives a scalar; unconstructible numbers stay text.
        private static func typed(_ scalar: Node.Scalar) -> ConfigValue {
            switch Node.scalar(scalar).tag.rawValue {
            case Tag.Name.null.rawValue:
                return .null
            case Tag.Name.bool.rawValue:
                return Bool.construct(from: scalar).map(ConfigValue.bool) ?? .string(scalar.string)
            case Tag.Name.int.rawValue:
                // Beyond Int's range YAML still means a number, so fall back to a double before text.
                if let number = Int.construct(from: scalar) { return .int(number) }
                return Double.construct(from: scalar).map(ConfigValue.double) ?? .string(scalar.string)
            case Tag.Name.float.rawValue:
                return Double.construct(from: scalar).map(ConfigValue.double) ?? .string(scalar.string)
            default:
                // Strings, and also timestamps and binary, which the config has no use for beyond their text.
                return .string(scalar.string)
            }
        }

        private static func join(_ path: String, _ key: String) -> String {
            path.isEmpty ? key : path + "." + key
        }

        private static func display(_ path: String) -> String {
            path.isEmpty ? "the top level" : path
        }
    }
}
