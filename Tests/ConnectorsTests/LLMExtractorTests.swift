import AnalystCore
import Foundation
import TestSupport
import Testing

@testable import Connectors

/// Structured extraction through both providers' wire protocols, against a fake LLM API.
@Suite struct LLMExtractorTests {
    static let schema = LLMSchema(
        name: "table_summary",
        json: #"""
            {"type": "object", "additionalProperties": false, "required": ["name", "rows"],
             "properties": {"name": {"type": "string"}, "rows": {"type": "integer"}}}
            """#)

    struct Summary: Decodable, Sendable, Equatable {
        var name: String
        var rows: Int
    }

    static let answer = #"{"name": "orders", "rows": 3}"#

    /// Settings pointing at `fake`, with a generous timeout (the whole suite runs at once on two cores).
    func settings(
        _ provider: LLMSettings.Provider, _ fake: FakeLLM, key: String? = nil, mode: LLMSettings.StructuredOutput = .auto
    ) throws -> LLMSettings {
        let base = provider == .anthropic ? fake.url : fake.openAIBaseURL
        var settings = LLMSettings(
            provider: provider, model: provider == .anthropic ? "claude-test" : "llama-test", baseURL: try #require(URL(string: base)),
            apiKey: key ?? fake.apiKey)
        settings.structuredOutput = mode
        settings.timeout = .seconds(10)
        return settings
    }

    func extractor(_ settings: LLMSettings, logs: LogCapture = LogCapture(), maxRetryWait: Duration = .seconds(60))
        -> any StructuredExtractor
    {
        LLMExtractors.make(
            settings: settings, logger: logs.logger(level: .debug), retryBaseDelay: .milliseconds(1), maxRetryWait: maxRetryWait)
    }

    /// Runs `body` against a fresh fake and stops it afterwards, also when `body` throws.
    func withFake(
        responder: @escaping @Sendable (FakeLLM.Request) -> FakeLLM.Reply = FakeLLM.unscripted, _ body: (FakeLLM) async throws -> Void
    ) async throws {
        let fake = try await FakeLLM.start(responder: responder)
        do {
            try await body(fake)
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    /// The error `body` threw, or `nil` when it returned.
    func failure(_ body: () async throws -> Void) async -> LLMError? {
        do {
            try await body()
            return nil
        } catch {
            return error as? LLMError ?? .other("not an LLMError: \(error)")
        }
    }

    func extract(_ extractor: any StructuredExtractor, prompt: String = "Summarise the orders table.") async throws {
        _ = try await extractor.extractJSON(prompt: prompt, maxTokens: 512, schema: LLMExtractorTests.schema)
    }

    static func sorted(_ json: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    // MARK: - Anthropic

    @Test func anthropicSendsTheSchemaAsOutputConfigAndReturnsTheObject() async throws {
        try await withFake { fake in
            fake.enqueue(.json(LLMExtractorTests.answer))
            let summary = try await extractor(try settings(.anthropic, fake)).extract(
                Summary.self, prompt: "Summarise the orders table.", maxTokens: 700, schema: LLMExtractorTests.schema)
            #expect(summary == Summary(name: "orders", rows: 3))

            let request = try #require(fake.requests.first)
            #expect(fake.requests.count == 1)
            #expect(request.path == "/v1/messages")
            #expect(request.headers["x-api-key"] == fake.apiKey)
            #expect(request.headers["anthropic-version"] == "2023-06-01")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["authorization"] == nil, "the key travels only in x-api-key")
            #expect(request.model == "claude-test")
            #expect(request.maxTokens == 700)
            #expect(request.prompt == "Summarise the orders table.")
            #expect(request.responseFormat == "json_schema")
            #expect(request.schema == (try LLMExtractorTests.sorted(LLMExtractorTests.schema.json)))
            let messages = try #require(request.json["messages"] as? [[String: Any]])
            #expect(messages.count == 1)
            #expect(messages.first?["role"] as? String == "user")
            #expect(request.json["response_format"] == nil)
        }
    }

    @Test func anthropicRefusalEmptyAnswerTruncationAndProseAreTheirKinds() async throws {
        try await withFake { fake in
            let extractor = self.extractor(try settings(.anthropic, fake))
            fake.enqueue(.refusal(), .empty, .truncated, .malformed("Sure! The table has 3 rows."))

            guard case .refusal = await failure({ try await extract(extractor) }) else {
                Issue.record("stop_reason refusal must be a refusal")
                return
            }
            guard case .refusal = await failure({ try await extract(extractor) }) else {
                Issue.record("an answer without text must be a refusal")
                return
            }
            let truncated = await failure { try await extract(extractor) }
            guard case .format(let message) = truncated else {
                Issue.record("max_tokens must be a format error, got \(String(describing: truncated))")
                return
            }
            #expect(message.contains("truncated"))
            guard case .format = await failure({ try await extract(extractor) }) else {
                Issue.record("prose must be a format error")
                return
            }
            #expect(fake.requests.count == 4, "none of these is retried")
        }
    }

    @Test func anthropicBadRequestIsOtherWithTheAPIMessageAndNoKey() async throws {
        try await withFake { fake in
            let body = #"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: 999999 > 64000, the maximum"}}"#
            fake.enqueue(.status(400, body), .unsupportedResponseFormat)
            let extractor = self.extractor(try settings(.anthropic, fake))
            let error = await failure { try await extract(extractor) }
            guard case .other(let message) = error else {
                Issue.record("a 400 must be .other, got \(String(describing: error))")
                return
            }
            #expect(message.contains("max_tokens: 999999 > 64000"))
            #expect(message.contains("http://127.0.0.1"))
            #expect(!message.contains(fake.apiKey))
            guard case .unsupported = await failure({ try await extract(extractor) }) else {
                Issue.record("a 400 about output_config must be .unsupported")
                return
            }
            #expect(fake.requests.count == 2)

            let echo = #"{"error":{"message":"invalid x-api-key \#(fake.apiKey) for this route","type":"invalid_request_error"}}"#
            fake.enqueue(.status(400, echo))
            let echoed = await failure { try await extract(extractor) }
            #expect(echoed?.description.contains("invalid x-api-key ***") == true, "a key the server echoes is scrubbed")
            #expect(echoed?.description.contains(fake.apiKey) == false)
        }
    }

    // MARK: - OpenAI-compatible

    @Test func openAISendsTheSchemaAsResponseFormatAndReturnsTheObject() async throws {
        try await withFake { fake in
            fake.enqueue(.json(LLMExtractorTests.answer))
            let json = try await extractor(try settings(.openAICompat, fake)).extractJSON(
                prompt: "Summarise the orders table.", maxTokens: 300, schema: LLMExtractorTests.schema)
            #expect(try JSONDecoder().decode(Summary.self, from: json) == Summary(name: "orders", rows: 3))

            let request = try #require(fake.requests.first)
            #expect(fake.requests.count == 1)
            #expect(request.path == "/v1/chat/completions", "base_url's /v1 is kept, not doubled")
            #expect(request.headers["authorization"] == "Bearer \(fake.apiKey)")
            #expect(request.headers["x-api-key"] == nil)
            #expect(request.model == "llama-test")
            #expect(request.maxTokens == 300)
            #expect(request.prompt == "Summarise the orders table.", "json_schema mode leaves the prompt alone")
            #expect(request.responseFormat == "json_schema")
            #expect(request.schemaName == "table_summary")
            #expect(request.schema == (try LLMExtractorTests.sorted(LLMExtractorTests.schema.json)))
            let format = try #require(request.json["response_format"] as? [String: Any])
            #expect((format["json_schema"] as? [String: Any])?["strict"] as? Bool == true)
        }
    }

    @Test func openAIRefusalTruncationAndProseAreTheirKinds() async throws {
        try await withFake { fake in
            let extractor = self.extractor(try settings(.openAICompat, fake, mode: .strict))
            fake.enqueue(.refusal("I can't share that."), .truncated, .malformed("{\"name\": \"orders\", \"rows\": "))
            let refusal = await failure { try await extract(extractor) }
            #expect(refusal == .refusal("I can't share that."))
            let truncated = await failure { try await extract(extractor) }
            guard case .format(let message) = truncated else {
                Issue.record("finish_reason length must be a format error, got \(String(describing: truncated))")
                return
            }
            #expect(message.contains("truncated"))
            guard case .format = await failure({ try await extract(extractor) }) else {
                Issue.record("broken JSON must be a format error")
                return
            }
            #expect(fake.requests.count == 3)
        }
    }

    @Test func autoFallsBackFromJSONSchemaToJSONObjectToTextAndRemembers() async throws {
        try await withFake { fake in
            fake.rejectResponseFormats(["json_schema", "json_object"])
            let fenced = "Here is the summary:\n```json\n\(LLMExtractorTests.answer)\n```\nAnything else?"
            fake.respond { _ in .malformed(fenced) }
            let extractor = self.extractor(try settings(.openAICompat, fake, mode: .auto))

            let summary = try await extractor.extract(Summary.self, prompt: "Summarise.", maxTokens: 200, schema: LLMExtractorTests.schema)
            #expect(summary == Summary(name: "orders", rows: 3))
            let first = fake.requests
            #expect(first.map(\.responseFormat) == ["json_schema", "json_object", nil])
            #expect(first[1].prompt.hasPrefix("Summarise."))
            #expect(first[1].prompt.contains(LLMExtractorTests.schema.json), "json_object mode puts the schema in the prompt")
            #expect(first[2].prompt.hasSuffix("\n\nIMPORTANT: Respond with valid JSON only, no markdown."))

            _ = try await extractor.extract(Summary.self, prompt: "Again.", maxTokens: 200, schema: LLMExtractorTests.schema)
            #expect(fake.requests.count == 4, "the working mode is remembered")
            #expect(fake.requests.last?.responseFormat == nil)
        }
    }

    @Test func textModeFindsTheObjectBetweenBraces() async throws {
        try await withFake { fake in
            fake.rejectResponseFormats(["json_schema", "json_object"])
            fake.respond { _ in .malformed("The answer is \(LLMExtractorTests.answer) as requested.") }
            let json = try await extractor(try settings(.openAICompat, fake)).extractJSON(
                prompt: "Summarise.", maxTokens: 200, schema: LLMExtractorTests.schema)
            #expect(try JSONDecoder().decode(Summary.self, from: json) == Summary(name: "orders", rows: 3))
        }
    }

    @Test func jsonModeStopsAtJSONObjectAndStrictDoesNotFallBack() async throws {
        try await withFake { fake in
            fake.rejectResponseFormats(["json_schema"])
            fake.respond { _ in .json(LLMExtractorTests.answer) }
            _ = try await extract(extractor(try settings(.openAICompat, fake, mode: .json)))
            #expect(fake.requests.map(\.responseFormat) == ["json_schema", "json_object"])

            let strict = await failure { try await extract(extractor(try settings(.openAICompat, fake, mode: .strict))) }
            guard case .unsupported(let message) = strict else {
                Issue.record("strict must not fall back, got \(String(describing: strict))")
                return
            }
            #expect(message.contains("response_format"))
            #expect(fake.requests.count == 3, "strict sent exactly one request")

            fake.rejectResponseFormats(["json_schema", "json_object"])
            guard case .unsupported = await failure({ try await extract(extractor(try settings(.openAICompat, fake, mode: .json))) }) else {
                Issue.record("json mode never falls back to text")
                return
            }
            #expect(fake.requests.count == 5)
            #expect(fake.requests.last?.responseFormat == "json_object")
        }
    }

    // MARK: - Retries

    @Test(arguments: [LLMSettings.Provider.anthropic, .openAICompat])
    func rateLimitsAndOverloadAreRetriedThenSucceed(provider: LLMSettings.Provider) async throws {
        try await withFake { fake in
            fake.enqueue(.rateLimited(), provider == .anthropic ? .overloaded : .status(504, "{}"), .json(LLMExtractorTests.answer))
            let json = try await extractor(try settings(provider, fake)).extractJSON(
                prompt: "p", maxTokens: 50, schema: LLMExtractorTests.schema)
            #expect(try JSONDecoder().decode(Summary.self, from: json).rows == 3)
            #expect(fake.requests.count == 3)
        }
    }

    @Test func retriesStopAfterTheConfiguredAttempts() async throws {
        try await withFake(responder: { _ in .rateLimited() }) { fake in
            var settings = try self.settings(.anthropic, fake)
            #expect(settings.attempts == 3, "the reference's default")
            #expect(await failure { try await extract(extractor(settings)) } == .rateLimited)
            #expect(fake.requests.count == 3)

            settings.attempts = 1
            #expect(await failure { try await extract(extractor(settings)) } == .rateLimited)
            #expect(fake.requests.count == 4)
        }
    }

    @Test func retryAfterIsHonouredButCapped() async throws {
        try await withFake { fake in
            fake.enqueue(.rateLimited(retryAfter: 1), .json(LLMExtractorTests.answer))
            let clock = ContinuousClock()
            let waited = try await clock.measure { try await extract(extractor(try settings(.anthropic, fake))) }
            #expect(waited >= .milliseconds(900), "retry-after: 1 waits a second, not the 1 ms backoff")

            fake.enqueue(.rateLimited(retryAfter: 600), .json(LLMExtractorTests.answer))
            let capped = try await clock.measure {
                try await extract(extractor(try settings(.anthropic, fake), maxRetryWait: .milliseconds(20)))
            }
            #expect(capped < .seconds(300), "the 600 s retry-after is capped (generous bound: machines under load are slow)")
            #expect(fake.requests.count == 4)
        }
    }

    @Test func aSlowAnswerTimesOutAndIsRetried() async throws {
        try await withFake { fake in
            var settings = try self.settings(.openAICompat, fake)
            // A timeout far below the delay and far above a loaded machine's answer time.
            settings.timeout = .seconds(3)
            fake.enqueue(.delayed(.seconds(120), .json(LLMExtractorTests.answer)), .json(LLMExtractorTests.answer))
            try await extract(extractor(settings))
            #expect(fake.requests.count == 2)

            settings.attempts = 1
            fake.enqueue(.delayed(.seconds(120), .json(LLMExtractorTests.answer)))
            #expect(await failure { try await extract(extractor(settings)) } == .timeout)
            #expect(fake.requests.count == 3)
        }
    }

    @Test(arguments: [LLMSettings.Provider.anthropic, .openAICompat])
    func aWrongKeyIsAuthAndNeverRetried(provider: LLMSettings.Provider) async throws {
        try await withFake(responder: { _ in .json(LLMExtractorTests.answer) }) { fake in
            let wrong = "sk-wrong-key-0123456789"
            let error = await failure { try await extract(extractor(try settings(provider, fake, key: wrong))) }
            #expect(error == .auth)
            #expect(!(error?.description.contains(wrong) ?? true))
            #expect(fake.requests.count == 1)
            #expect(fake.requests.first?.isAuthorized == false)
        }
    }

    // MARK: - Logs and errors

    @Test func logsShowOnlySchemeAndHostNeverTheKeyOrThePrompt() async throws {
        try await withFake { fake in
            let logs = LogCapture()
            let prompt = "Confidential prompt about customer 4711"
            fake.enqueue(.json(LLMExtractorTests.answer), .rateLimited(), .json(LLMExtractorTests.answer))
            try await extract(extractor(try settings(.openAICompat, fake), logs: logs), prompt: prompt)
            try await extract(extractor(try settings(.anthropic, fake), logs: logs), prompt: prompt)
            _ = await failure { try await extract(extractor(try settings(.anthropic, fake, key: "sk-bad-but-secret"), logs: logs)) }

            let lines = logs.lines
            #expect(lines.count == 4, "one line per request")
            #expect(lines.allSatisfy { $0.contains("http://127.0.0.1") })
            #expect(lines.contains { $0.contains("table_summary") })
            for line in lines {
                #expect(!line.contains(fake.apiKey))
                #expect(!line.contains("sk-bad-but-secret"))
                #expect(!line.contains("4711"))
                #expect(!line.contains(fake.openAIBaseURL), "only scheme://host, not the port or path")
            }
        }
    }

    @Test func anAnswerThatDoesNotDecodeIsFormatAndABadSchemaSendsNothing() async throws {
        try await withFake { fake in
            fake.enqueue(.json(#"{"name": "orders"}"#))
            let extractor = self.extractor(try settings(.anthropic, fake))
            let error = await failure {
                _ = try await extractor.extract(Summary.self, prompt: "p", maxTokens: 100, schema: LLMExtractorTests.schema)
            }
            guard case .format(let message) = error else {
                Issue.record("a missing field must be a format error, got \(String(describing: error))")
                return
            }
            #expect(message.contains("rows"))

            let broken = LLMSchema(name: "broken", json: "{not json")
            let refused = await failure { _ = try await extractor.extractJSON(prompt: "p", maxTokens: 100, schema: broken) }
            guard case .other = refused else {
                Issue.record("an invalid schema must be .other, got \(String(describing: refused))")
                return
            }
            #expect(fake.requests.count == 1)
        }
    }

    // MARK: - Settings

    func resolve(_ yaml: String, _ environment: [String: String] = [:]) throws -> LLMSettings? {
        let instance = try InstanceConfig.parse(yaml: yaml, path: nil, environment: environment)
        return try ConnectorSettings.resolve(instance: instance, environment: environment).llm
    }

    /// The message `yaml` is refused with.
    func refusal(_ yaml: String, _ environment: [String: String] = [:]) -> String {
        do {
            let settings = try resolve(yaml, environment)
            return "accepted: \(String(describing: settings))"
        } catch {
            return "\(error)"
        }
    }

    @Test func settingsDefaultToTheReferenceAndNeverShowTheKey() throws {
        #expect(try resolve("server:\n  port: 8000\n") == nil, "no ai section: no LLM")
        #expect(try resolve("ai:\n  provider: \"\"\n  model: x\n") == nil)
        let key = "sk-ant-secret-value"
        let settings = try #require(try resolve("ai:\n  provider: anthropic\n", ["ANTHROPIC_API_KEY": key]))
        #expect(settings.provider == .anthropic)
        #expect(settings.model == "claude-haiku-4-5-20251001")
        #expect(settings.baseURL.absoluteString == "https://api.anthropic.com")
        #expect(settings.apiKey == key)
        #expect(settings.apiKeyVariable == "ANTHROPIC_API_KEY")
        #expect(settings.structuredOutput == .auto)
        #expect(settings.timeout == .seconds(120))
        #expect(settings.attempts == 3)
        #expect(settings.isConfigured)
        #expect(settings.description == "anthropic model claude-haiku-4-5-20251001 at https://api.anthropic.com")
        var dumped = ""
        dump(settings, to: &dumped)
        #expect(!dumped.contains(key))
        #expect(!String(reflecting: settings).contains(key))

        let openAI = try #require(
            try resolve(
                """
                ai:
                  provider: openai_compat
                  api_key: ${LLM_API_KEY}
                  base_url: https://llm.example.com/secret-path/v1
                  model: llama3.1:8b
                  structured_output: strict
                  timeout_seconds: 30
                  retries: 5
                """, ["LLM_API_KEY": key]))
        #expect(openAI.provider == .openAICompat)
        #expect(openAI.apiKeyVariable == "LLM_API_KEY")
        #expect(openAI.structuredOutput == .strict)
        #expect(openAI.timeout == .seconds(30))
        #expect(openAI.attempts == 5)
        #expect(openAI.description == "openai_compat model llama3.1:8b at https://llm.example.com")

        let named = try #require(
            try resolve(
                "ai:\n  provider: openai_compat\n  api_key_env: MY_LLM_KEY\n  base_url: http://127.0.0.1:11434/v1\n  model: m\n",
                ["MY_LLM_KEY": "k"]))
        #expect(named.apiKey == "k")
        let legacy = try #require(try resolve("ai:\n  anthropic_api_key: ${OLD_KEY}\n", ["OLD_KEY": key]))
        #expect(legacy.provider == .anthropic)
        #expect(legacy.apiKeyVariable == "OLD_KEY")
    }

    @Test func settingsErrorsNameTheKeyAndWhatToDo() {
        let key = ["ANTHROPIC_API_KEY": "sk-a", "OPENAI_API_KEY": "sk-o"]
        #expect(refusal("ai:\n  provider: gemini\n", key).contains("ai.provider \"gemini\""))
        let missing = refusal("ai:\n  provider: anthropic\n")
        #expect(missing.contains("ANTHROPIC_API_KEY") && missing.contains("ai.api_key_env"))
        #expect(refusal("ai:\n  provider: openai_compat\n  model: m\n", key).contains("ai.base_url is required"))
        #expect(refusal("ai:\n  provider: openai_compat\n  base_url: https://llm.example.com/v1\n", key).contains("ai.model is required"))
        #expect(refusal("ai:\n  provider: anthropic\n  structured_output: yes-please\n", key).contains("ai.structured_output"))
        #expect(refusal("ai:\n  provider: anthropic\n  base_url: http://llm.example.com\n", key).contains("ai.base_url"))
        #expect(refusal("ai:\n  provider: anthropic\n  timeout_seconds: 0\n", key).contains("ai.timeout_seconds"))
        #expect(refusal("ai:\n  provider: anthropic\n  retries: lots\n", key).contains("ai.retries"))
        #expect(refusal("ai:\n  provider: anthropic\n  api_key_env: lower-case\n", key).contains("ai.api_key_env"))
        #expect(refusal("ai:\n  provider: anthropic\n  verify_ssl: false\n", key).contains("ai.verify_ssl"))
        let literal = refusal("ai:\n  provider: anthropic\n  api_key: sk-ant-written-into-the-file\n", key)
        #expect(literal.contains("ai.api_key must be a ${VARIABLE} reference"))
        #expect(!literal.contains("sk-ant-written-into-the-file"))
        let unset = refusal("ai:\n  provider: openai_compat\n  api_key_env: LLM_KEY\n  base_url: https://x.example/v1\n  model: m\n")
        #expect(unset.contains("LLM_KEY") && unset.contains("unset or empty"))
    }
}
