import Foundation
import JSONWriting
import Testing

/// `JSONText.quote` (every hand-written JSON answer) reads back as the text it was given, escapes or not.
struct JSONTextTests {
    @Test func quotedTextReadsBackExactly() throws {
        let texts = [
            "", "orders", String(repeating: "ab01", count: 16), "say \"hi\"", #"back\slash"#, "tab\tnew\nline\rcr",
            "bell\u{07}nul\u{00}unit\u{1F}", "café ☕️ 𝄞", "</script>", "\u{7F}delete",
        ]
        for text in texts {
            let quoted = JSONText.quote(text)
            let read = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
            #expect(read == [text], "\(quoted)")
            #expect(!quoted.dropFirst().dropLast().unicodeScalars.contains { $0.value < 0x20 }, "no raw control characters")
        }
        #expect(JSONText.quote("plain") == "\"plain\"")
    }
}
