import AnalystAPI
import Foundation
import Testing

@testable import AnalystClient

/// `Manifest.decode` (the sync's fast reader) against `JSONDecoder` as the oracle, and `JSONScanner` against what
/// a hostile or broken server could send.
struct ManifestDecodingTests {
    /// A manifest with every shape the server writes, plus what a newer server might add.
    static let manifest = #"""
        { "tables" : {
            "orders":{"hash":"aa11","updated":"2026-12-07T01:02:03.456Z","size_bytes":1234,"rows":10,"query_mode":"local",
                      "columns":[{"name":"id","type":"BIGINT"},{"name":"note \"quoted\"","type":"VARCHAR"}]},
            "caf\u00e9 \"x\"":{"hash":"bb22","updated":null,"size_bytes":0,"rows":-1,"query_mode":"remote","columns":[]},
            "events":{"rows":9223372036854775807,"size_bytes":77,"hash":"cc33","partitions":{"2026-01":{"hash":"dd44","size_bytes":7},
                      "2026-02":{"hash":"ee55","size_bytes":70}},"future":{"nested":[1,2.5e-3,true,false,null,"s"]}},
            "bare":{"hash":"ff66","size_bytes":1,"rows":1,"partitions":null}
          },
          "assets":{"docs":{"hash":"d1"},"profiles":null,"rules":{"hash":"r1"}},
          "server_time":"2026-12-07T01:02:04.000Z",
          "added_later":[{"a":{}}]
        }
        """#

    @Test func readsWhatJSONDecoderReads() throws {
        let body = Data(Self.manifest.utf8)
        let fast = try Manifest.decode(body)
        let oracle = try JSONDecoder().decode(Manifest.self, from: body)
        #expect(fast == oracle)
        #expect(fast.tables.count == 4)
        #expect(fast.tables["café \"x\""]?.isRemote == true, "escapes in keys")
        #expect(fast.tables["events"]?.rows == Int64.max)
        #expect(fast.tables["events"]?.partitions?["2026-02"]?.size_bytes == 70)
        #expect(fast.tables["bare"]?.partitions == nil && fast.tables["bare"]?.query_mode == nil)
        #expect(fast.assets?.docs?.hash == "d1" && fast.assets?.profiles == nil)
        #expect(fast.server_time == "2026-12-07T01:02:04.000Z")
    }

    @Test func aManifestOfManyTablesReadsTheSame() throws {
        let tables = (0..<2_000).map { index in
            #""t\#(index)":{"hash":"\#(index)ab","updated":null,"size_bytes":\#(index * 3),"rows":\#(index),"query_mode":"local","#
                + #""columns":[{"name":"id","type":"BIGINT"}]}"#
        }
        let body = Data(("{\"tables\":{" + tables.joined(separator: ",") + "},\"assets\":null,\"server_time\":null}").utf8)
        let fast = try Manifest.decode(body)
        #expect(fast == (try JSONDecoder().decode(Manifest.self, from: body)))
        #expect(fast.tables["t1999"]?.size_bytes == 5_997)
    }

    @Test func refusesWhatIsNotAManifest() {
        let refused: [(String, String)] = [
            ("", "empty"),
            ("[]", "not an object"),
            (#"{"assets":null}"#, "no tables"),
            (#"{"tables":{"a":{"hash":"h","rows":1}}}"#, "no size"),
            (#"{"tables":{"a":{"hash":"h","size_bytes":1.5,"rows":1}}}"#, "a fraction"),
            (#"{"tables":{"a":{"hash":"h","size_bytes":99999999999999999999,"rows":1}}}"#, "too large"),
            (#"{"tables":{"a":{"hash":1,"size_bytes":1,"rows":1}}}"#, "a number for a string"),
            (#"{"tables":{}} trailing"#, "text after the document"),
            (#"{"tables":{},}"#, "a trailing comma"),
            (#"{"tables":{"a":{"hash":"h","size_bytes":1,"rows":1,"x":tru}}}"#, "a broken literal"),
            (#"{"tables":{"a":{"hash":"h","size_bytes":1,"rows":1,"x":"unterminated}}}"#, "an unterminated string"),
            ("{\"tables\":{\"a\u{01}\":{}}}", "a control character in a string"),
            (#"{"tables":{"a":{"hash":"\q","size_bytes":1,"rows":1}}}"#, "a bad escape"),
            (#"{"tables":{"a":{"hash":"h","size_bytes":-,"rows":1}}}"#, "a lone minus"),
            // Inside members that are skipped, not read (the tables' columns): the same checks.
            (#"{"tables":{"a":{"hash":"h","size_bytes":1,"rows":1,"columns":[{"name":"\q"}]}}}"#, "a bad escape in a skipped value"),
            (
                "{\"tables\":{\"a\":{\"hash\":\"h\",\"size_bytes\":1,\"rows\":1,\"x\":\"a\u{01}\"}}}",
                "a control character in a skipped value"
            ),
            (#"{"tables":{"a":{"hash":"h","size_bytes":1,"rows":1,"x":{1:2}}}}"#, "a key that is not a string in a skipped object"),
            (#"{"tables":{"a":{"hash":"h","size_bytes":1,"rows":1,"x":{"k" 2}}}}"#, "no colon in a skipped object"),
            (
                #"{"tables":{"a":{"hash":"h","size_bytes":1,"rows":1,"x":"unterminated \"}}}}"#,
                "an escaped quote that leaves a skipped string open"
            ),
        ]
        for (text, why) in refused {
            #expect(throws: (any Error).self, "\(why)") { try Manifest.decode(Data(text.utf8)) }
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let depth = 100_000
        let body = #"{"tables":{},"x":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(throws: JSONScanner.Malformed.self) { try Manifest.decode(Data(body.utf8)) }
        let fine = #"{"tables":{},"x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(throws: Never.self) { try Manifest.decode(Data(fine.utf8)) }
    }
}
