import AnalystAPI
import AnalystCore
import DuckDB
import Foundation
import Testing

/// The answers written by hand for speed (the manifest, query rows) decode into the contract's generated types, so
/// they cannot drift from openapi.yaml unnoticed.
struct HandWrittenJSONTests {
    @Test func theManifestIsASyncManifest() throws {
        let manifest = SyncManifest()
        let updated = Date(timeIntervalSince1970: 1_764_000_000)
        manifest.update(
            tables: [
                PublishedTable(
                    id: "orders", source: "files", queryMode: .local, description: "Orders \"2026\"", rows: 3,
                    columns: [ColumnInfo(name: "id", type: "BIGINT"), ColumnInfo(name: "note", type: "VARCHAR")],
                    fileSizeBytes: 1_234, hash: String(repeating: "a", count: 64), fileModifiedNanoseconds: 1, lastSync: updated),
                PublishedTable(
                    id: "deals", source: "crm", queryMode: .remote, rows: 0, columns: [], fileSizeBytes: 0, hash: "",
                    fileModifiedNanoseconds: nil, lastSync: nil),
            ], docsHash: "d0c5", profilesHash: nil)

        let all = try JSONDecoder.wire().decode(Schemas.SyncManifest.self, from: Data(manifest.render(readable: nil).utf8))
        let orders = try #require(all.tables.additionalProperties["orders"])
        #expect(orders.hash.count == 64)
        #expect(orders.rows == 3)
        #expect(orders.sizeBytes == 1_234)
        #expect(orders.queryMode == .local)
        #expect(orders.updated == updated)
        #expect(orders.columns.map(\.name) == ["id", "note"])
        #expect(orders.columns.map(\._type) == ["BIGINT", "VARCHAR"])
        let deals = try #require(all.tables.additionalProperties["deals"])
        #expect(deals.queryMode == .remote)
        #expect(deals.updated == nil)
        #expect(all.assets.docs?.hash == "d0c5")
        #expect(all.assets.profiles == nil)
        let text = manifest.render(readable: nil)
        #expect(text.contains(#""profiles":null"#), "an asset without a hash is null, never left out")

        let some = try JSONDecoder.wire().decode(Schemas.SyncManifest.self, from: Data(manifest.render(readable: ["deals"]).utf8))
        #expect(Array(some.tables.additionalProperties.keys) == ["deals"])
    }

    @Test func queryRowsAreAQueryResult() throws {
        let connection = try Database().connect()
        let result = try connection.query(
            """
            SELECT 1 AS i, 2.5::DOUBLE AS d, 'x"y' AS s, NULL AS n, DATE '2026-01-02' AS day, [1, 2] AS list,
                {'a': 1} AS st, 12345678901234567890::HUGEINT AS big, 'NaN'::DOUBLE AS nan, true AS b
            FROM range(3)
            """)
        let rendered = try QueryResultJSON.render(result, limit: 2)
        let decoded = try JSONDecoder.wire().decode(Schemas.QueryResult.self, from: Data(rendered.json.utf8))
        #expect(decoded.columns == ["i", "d", "s", "n", "day", "list", "st", "big", "nan", "b"])
        #expect(decoded.types.count == decoded.columns.count)
        #expect(decoded.rows.count == 2)
        #expect(decoded.rowCount == 2)
        #expect(decoded.truncated == true)
        #expect(decoded.rows.allSatisfy { $0.count == decoded.columns.count })
    }
}
