import AnalystCore
import Foundation
import Logging
import TestSupport
import Testing

struct JSONLogHandlerTests {
    @Test func writesOneParsableJSONObjectPerLine() throws {
        let capture = LogCapture()
        var logger = capture.logger(label: "da-server", level: .info)
        logger[metadataKey: "instance"] = "test"
        logger.debug("not shown at info level")
        logger.info("request done", metadata: ["path": "/api/health", "note": "quote \" and\nnewline"])
        logger.error("boom")
        let lines = capture.lines
        #expect(lines.count == 2)
        let first = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String])
        #expect(first["msg"] == "request done")
        #expect(first["level"] == "info")
        #expect(first["logger"] == "da-server")
        #expect(first["path"] == "/api/health")
        #expect(first["instance"] == "test")
        #expect(first["note"] == "quote \" and\nnewline")
        #expect(first["ts"]?.hasSuffix("Z") == true)
        #expect(lines.allSatisfy { $0.hasSuffix("}\n") && $0.filter { $0 == "\n" }.count == 1 })
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: String])
        #expect(second["source"]?.contains("JSONLogHandlerTests.swift") == true)
    }
}
