import AnalystAPI
import Crypto
import DuckDB
import Foundation
import JSONWriting

/// The server's `GET /api/sync/manifest` (`Schemas.SyncManifest`) as the sync reads it: the tables this user may read
/// and the hashes of the shared assets. Hand-tuned for speed (`make bench`): read by `decode` (a scanner, not
/// `JSONDecoder`), the tables' `columns`, most of the bytes, are not decoded, and times stay text.
public struct Manifest: Decodable, Sendable, Equatable {
    /// One table as the manifest describes it.
    public struct Table: Decodable, Sendable, Equatable {
        /// SHA-256 hex of the parquet file (empty for remote tables, which have no file).
        public var hash: String
        public var updated: String?
        public var size_bytes: Int64
        public var rows: Int64
        /// `local` (downloaded) or `remote` (queried on the server).
        public var query_mode: String?
        /// A partitioned table's files by partition name (then `hash` covers them all); `nil` for one file.
        public var partitions: [String: Partition]?
        // The manifest's `columns` are not decoded: sync does not need them, and they are most of the bytes.

        public var isRemote: Bool { query_mode == "remote" }

        /// Reads one table's object; `hash`, `size_bytes` and `rows` are required, unknown members skipped.
        static func read(_ scanner: inout JSONScanner, id: String) throws -> Table {
            var hash: String?
            var updated: String?
            var size: Int64?
            var rows: Int64?
            var queryMode: String?
            var partitions: [String: Partition]?
            try scanner.object { scanner, key in
                switch key {
                case "hash": hash = try scanner.string()
                case "updated": updated = try scanner.optionalString()
                case "size_bytes": size = try scanner.integer()
                case "rows": rows = try scanner.integer()
                case "query_mode": queryMode = try scanner.optionalString()
                case "partitions":
                    partitions = try scanner.consumeNull() ? nil : JSONDecoder().decode([String: Partition].self, from: scanner.rawValue())
                default: try scanner.skipValue()
                }
            }
            guard let hash, let size, let rows else {
                throw JSONScanner.Malformed(offset: 0, expected: "hash, size_bytes and rows for table \(id)")
            }
            return Table(hash: hash, updated: updated, size_bytes: size, rows: rows, query_mode: queryMode, partitions: partitions)
        }
    }

    /// One file of a partitioned table.
    public struct Partition: Decodable, Sendable, Equatable {
        public var hash: String
        public var size_bytes: Int64
    }

    /// The tables this user may read, by id.
    public var tables: [String: Table]
    /// The hashes of the docs and profiles bundles.
    public var assets: Schemas.ManifestAssets?
    /// When the server made the manifest (text, as sent).
    public var server_time: String?

    /// Reads a manifest answer with `JSONScanner` (the tables' `columns` are skipped unread); equal to what
    /// `JSONDecoder` makes of it, in a tenth of the time.
    public static func decode(_ body: Data) throws -> Manifest {
        var scanner = JSONScanner(body)
        var tables: [String: Table]?
        var assets: Schemas.ManifestAssets?
        var serverTime: String?
        try scanner.object { scanner, key in
            switch key {
            case "tables":
                var read: [String: Table] = [:]
                try scanner.object { scanner, id in read[id] = try Table.read(&scanner, id: id) }
                tables = read
            case "assets":
                assets = try scanner.consumeNull() ? nil : JSONDecoder().decode(Schemas.ManifestAssets.self, from: scanner.rawValue())
            case "server_time":
                serverTime = try scanner.optionalString()
            default:
                try scanner.skipValue()
            }
        }
        try scanner.end()
        guard let tables else { throw JSONScanner.Malformed(offset: 0, expected: "a \"tables\" member") }
        return Manifest(tables: tables, assets: assets, server_time: serverTime)
    }

    /// SHA-256 of a manifest answer without its `server_time`: equal fingerprints mean the same tables, hashes
    /// and assets, so a sync can stop early without decoding anything.
    public static func fingerprint(of body: Data) -> String {
        var hasher = SHA256()
        let marker = Data(#","server_time":""#.utf8)
        if let start = body.lastRange(of: marker),
            let end = body[start.upperBound...].firstIndex(of: UInt8(ascii: "\""))
        {
            hasher.update(data: body[..<start.lowerBound])
            hasher.update(data: body[(end + 1)...])
        } else {
            hasher.update(data: body)
        }
        return hasher.finalize().hexString
    }
}

/// `server/sync_state.json`: what the last sync installed, so the next one downloads only what changed.
/// The reference kept `{"tables": {id: {hash, rows, size_bytes}}, "last_sync"}` in the config directory; here it
/// lives in the workspace (two workspaces never confuse each other) and also remembers assets and uploads.
public struct LocalSyncState: Codable, Sendable, Equatable {
    public struct Table: Codable, Sendable, Equatable {
        public var hash: String
        public var rows: Int64
        public var size_bytes: Int64
    }

    /// An uploaded file: its size and modification time when it was sent.
    public struct Upload: Codable, Sendable, Equatable {
        public var size: Int64
        public var mtime: Double
    }

    public var tables: [String: Table] = [:]
    public var last_sync: String?
    /// The server of the last sync (for people reading the file; hashes are content hashes, so a table with the same
    /// hash on another server is the same file and is not downloaded again).
    public var server: String?
    /// The workspace path the views were built for; views hold absolute paths, so a moved workspace rebuilds them.
    public var workspace: String?
    public var docs_hash: String?
    public var profiles_hash: String?
    /// Which tables the local `profiles.json` covers (`AssetSync.digest(ofTables:)`; a list of ids before, which a
    /// newer `da` ignores and replaces on its next sync).
    public var profiles_tables_hash: String?
    /// The fingerprint of the manifest the last complete sync applied (see `Manifest.fingerprint`).
    public var manifest_fingerprint: String?
    /// The remote tables the manifest offered (reported by a sync that stops early).
    public var remote_tables: [String]?
    /// Synced tables that got no view because the analyst's own table or view has the name (retried every sync).
    public var view_clashes: [String]?
    public var sessions: [String: Upload]?
    public var local_md: Upload?
    /// The hash of the corporate-memory rules last written and the files `da sync` wrote under `.claude/rules/`
    /// (only those are ever replaced or removed).
    public var rules_hash: String?
    public var rules_files: [String]?

    public init() {}

    /// Reads the state; a missing file is an empty state, an unreadable one an error that says what to do.
    public static func load(from url: URL) throws -> LocalSyncState {
        guard let data = FileManager.default.contents(atPath: url.path) else { return LocalSyncState() }
        do {
            if let (tables, rest) = splitTables(data) {
                var state = try JSONDecoder().decode(LocalSyncState.self, from: rest)
                state.tables = tables
                return state
            }
            return try JSONDecoder().decode(LocalSyncState.self, from: data)
        } catch {
            throw ClientError.badLocalFile(path: url.path, reason: "not a sync state (\(error.localizedDescription))")
        }
    }

    /// The tables block exactly as `save` writes it (one `"id":{"hash":…,"rows":…,"size_bytes":…}` per line), read
    /// without JSONDecoder, and the rest of the document with an empty block. `nil` when the file has any other
    /// shape (then the whole file goes through JSONDecoder).
    static func splitTables(_ data: Data) -> ([String: Table], Data)? {
        let bytes = [UInt8](data)
        guard let start = bytes.firstRange(of: Marks.opening) else { return nil }
        var reader = ByteReader(bytes: bytes, position: start.upperBound)
        var tables: [String: Table] = [:]
        // Lines like `  "orders":{"hash":"ab…","rows":12,"size_bytes":345},` up to a line `}`.
        while !reader.skip(Marks.close) {
            guard reader.skip(Marks.indent), let id = reader.read(until: UInt8(ascii: "\"")), reader.skip(Marks.hash),
                let hash = reader.read(until: UInt8(ascii: "\"")), reader.skip(Marks.rows), let rows = reader.integer(),
                reader.skip(Marks.size), let size = reader.integer(), reader.skip(Marks.close)
            else { return nil }
            _ = reader.skip(Marks.comma)
            guard reader.skip(Marks.newline) else { return nil }
            tables[id] = Table(hash: hash, rows: rows, size_bytes: size)
        }
        let rest = bytes[..<start.lowerBound] + Marks.empty + bytes[reader.position...]
        return (tables, Data(rest))
    }

    /// The fixed parts of the tables block, as bytes.
    fileprivate enum Marks {
        static let opening = Array(#""tables":{"#.utf8) + [UInt8(ascii: "\n")]
        static let empty = Array(#""tables":{}"#.utf8)
        static let indent = Array(#"  ""#.utf8)
        static let hash = Array(#":{"hash":""#.utf8)
        static let rows = Array(#","rows":"#.utf8)
        static let size = Array(#","size_bytes":"#.utf8)
        static let close = Array("}".utf8)
        static let comma = Array(",".utf8)
        static let newline = Array("\n".utf8)
    }

    /// A cursor over UTF-8 bytes for `splitTables`.
    private struct ByteReader {
        let bytes: [UInt8]
        var position: Int

        /// Consumes `expected` if the bytes continue with it.
        mutating func skip(_ expected: [UInt8]) -> Bool {
            guard bytes.count - position >= expected.count,
                bytes[position..<position + expected.count].elementsEqual(expected)
            else { return false }
            position += expected.count
            return true
        }

        /// The text up to (not including) `terminator`, which is consumed too.
        mutating func read(until terminator: UInt8) -> String? {
            guard let end = bytes[position...].firstIndex(of: terminator) else { return nil }
            defer { position = end + 1 }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }

        /// A run of decimal digits.
        mutating func integer() -> Int64? {
            var value: Int64 = 0
            let start = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, carry) = product.addingReportingOverflow(Int64(bytes[position] - UInt8(ascii: "0")))
                guard !overflow, !carry else { return nil }
                value = sum
                position += 1
            }
            return position > start ? value : nil
        }
    }

    /// Writes the state atomically (sorted keys, one table per line).
    public func save(to url: URL) throws {
        try Workspace.writeAtomically(Data(try json(tablesBlock: tablesBlock()).utf8), to: url)
    }

    /// Writes the state atomically with the tables block of the file at `url` copied byte for byte: for a sync that
    /// changed no table (at 10,000 tables, writing them again was a third of a no-change sync). When the file has
    /// no block of the shape `save` writes, the tables are written again.
    public func saveKeepingTables(at url: URL) throws {
        guard let bytes = FileManager.default.contents(atPath: url.path).map(Array.init),
            let start = bytes.firstRange(of: Marks.opening)
        else { return try save(to: url) }
        // A table's line never holds a raw newline (ids are JSON-quoted), so the first "\n}" ends the block.
        var end = start.upperBound
        while end + 1 < bytes.count && !(bytes[end] == UInt8(ascii: "\n") && bytes[end + 1] == UInt8(ascii: "}")) { end += 1 }
        guard end + 1 < bytes.count else { return try save(to: url) }
        let block = String(decoding: bytes[start.lowerBound...(end + 1)], as: UTF8.self)
        try Workspace.writeAtomically(Data(try json(tablesBlock: block).utf8), to: url)
    }

    /// The state as JSON with `block` as its `"tables":{…}` member.
    private func json(tablesBlock block: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var copy = self
        copy.tables = [:]
        var json = String(decoding: try encoder.encode(copy), as: UTF8.self)
        if let range = json.range(of: #""tables":{}"#) {
            json.replaceSubrange(range, with: block)
        }
        return json
    }

    /// `"tables":{…}`, one table per line, sorted by id.
    private func tablesBlock() -> String {
        // The tables are written by hand: for thousands of them JSONEncoder is most of a no-change sync's time.
        var block = "\"tables\":{"
        block.reserveCapacity(tables.count * 128 + 16)
        for (index, id) in tables.keys.sorted().enumerated() {
            guard let table = tables[id] else { continue }
            block += index == 0 ? "\n  " : ",\n  "
            block +=
                JSONText.quote(id) + ":{\"hash\":" + JSONText.quote(table.hash) + ",\"rows\":" + String(table.rows)
                + ",\"size_bytes\":" + String(table.size_bytes) + "}"
        }
        block += tables.isEmpty ? "}" : "\n}"
        return block
    }
}
