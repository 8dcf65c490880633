import Foundation
import Testing

@testable import AnalystCore

/// The sandbox's JSON reader: the same tree as Foundation's decoder, every escape, and the depth limit.
struct ParseTreeTests {
    @Test func readsWhatFoundationReads() throws {
        let samples = [
            #"{"a":[1,2.5,-3e2,true,false,null],"b":{"c":"d"},"e":[]}"#,
            #"  {"s":"quote \" back \\ slash \/ \b\f\n\r\t tab","u":"\u00e9\u4e2d\ud83d\ude00","empty":""}  "#,
            #"[{"x":{}},[[]],"orders",0]"#,
            #""orders""#,
            #"{"statements":[{"node":{"type":"SELECT_NODE","from_table":{"table_name":"o\u0072ders"}}}],"error":false}"#,
        ]
        for sample in samples {
            let expected = try JSONDecoder().decode(ParseTree.self, from: Data(sample.utf8))
            #expect(try ParseTree.parse(sample) == expected, "\(sample)")
        }
        #expect(try ParseTree.parse(#"{"t":"o\u0072ders"}"#)["t"]?.string == "orders", "escaped names are decoded")
    }

    @Test func refusesMalformedTextAndDeepNesting() {
        for bad in [#"{"a":1"#, #"{"a" 1}"#, #"["a",]"#, #""\x""#, #""\ud800""#, "tru", #"{"a":1} x"#, "\"a\u{1}b\"", ""] {
            #expect(throws: ParseTreeError.malformed, "\(bad)") { try ParseTree.parse(bad) }
        }
        let deep = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        #expect(throws: ParseTreeError.tooDeep) { try ParseTree.parse(deep, maximumDepth: 10) }
        #expect(throws: Never.self) { try ParseTree.parse(deep, maximumDepth: 30) }
    }
}
