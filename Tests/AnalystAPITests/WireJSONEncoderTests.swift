import Foundation
import Testing

@testable import AnalystAPI

struct WireJSONEncoderTests {
    struct Table: Codable, Equatable {
        var id: String
        var bucket: String?
        var rows: Int64?
        var tags: [String]?
        var nested: Nested?
        var ratio: Double
        var updated: Date?
    }

    struct Nested: Codable, Equatable {
        var name: String?
        var flags: [Bool?]
    }

    @Test func absentOptionalsAreWrittenAsNullInDeclarationOrder() throws {
        let text = try WireJSONEncoder().encodeToString(
            Table(id: "orders", bucket: nil, rows: nil, tags: nil, nested: nil, ratio: 0.25, updated: nil))
        #expect(text == #"{"id":"orders","bucket":null,"rows":null,"tags":null,"nested":null,"ratio":0.25,"updated":null}"#)
    }

    @Test func presentValuesRoundTripThroughFoundationsDecoder() throws {
        let date = Date(timeIntervalSince1970: 1_764_000_000.125)
        let value = Table(
            id: "a \"quoted\"\n\u{1}name/ü", bucket: "in.c-main", rows: 9_007_199_254_740_993, tags: ["x", ""],
            nested: Nested(name: nil, flags: [true, nil, false]), ratio: -1.5e-7, updated: date)
        let data = try WireJSONEncoder().encode(value)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            return try Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        let decoded = try decoder.decode(Table.self, from: data)
        #expect(decoded.id == value.id)
        #expect(decoded.rows == value.rows, "64-bit integers are written exactly")
        #expect(decoded.nested == value.nested)
        #expect(decoded.ratio == value.ratio)
        #expect(decoded.updated.map { abs($0.timeIntervalSince(date)) < 0.001 } == true)
        #expect(String(decoding: data, as: UTF8.self).contains(#""updated":"2025-11-24T16:00:00.125Z""#))
    }

    @Test func topLevelArraysDictionariesAndScalars() throws {
        let encoder = WireJSONEncoder()
        #expect(try encoder.encodeToString([1, 2, 3]) == "[1,2,3]")
        #expect(try encoder.encodeToString([String]()) == "[]")
        #expect(try encoder.encodeToString(["k": [String?.none]]) == #"{"k":[null]}"#)
        #expect(try encoder.encodeToString("text") == #""text""#)
        #expect(try encoder.encodeToString(2.0) == "2")
        #expect(try encoder.encodeToString(Data([0, 1, 2])) == #""AAEC""#)
    }

    @Test func nonFiniteNumbersAreRefused() {
        #expect(throws: EncodingError.self) { try WireJSONEncoder().encodeToString([Double.nan]) }
        #expect(throws: EncodingError.self) { try WireJSONEncoder().encodeToString(["x": Double.infinity]) }
    }
}
