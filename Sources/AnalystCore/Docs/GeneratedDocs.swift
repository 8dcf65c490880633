import Foundation

/// YAML files under one folder of `docs/` that an export writes (OpenMetadata's metrics and table docs), so
/// `da sync` hands them to analysts. Each starts with `GeneratedDocs.marker`: only files with that first line are
/// ever replaced or deleted, so a hand-written doc at the same path wins and is never removed. Blocking (file I/O):
/// call it off the cooperative pool.
public struct GeneratedDocs: Sendable {
    /// The first line of every generated file.
    public static let marker = "# AUTO-GENERATED from the OpenMetadata catalog"

    /// What one `publish` did, by path relative to `root`.
    public struct Outcome: Sendable, Equatable {
        /// Files created or whose content changed.
        public var written: [String] = []
        /// Generated files left as they were (same content).
        public var unchanged: [String] = []
        /// Paths where a hand-written file stands; it was kept and the generated one not written.
        public var handWritten: [String] = []
        /// Generated files no longer produced, deleted.
        public var removed: [String] = []

        public init() {}

        /// Whether anything on disk changed.
        public var changedFiles: Bool { !written.isEmpty || !removed.isEmpty }
    }

    /// The folder, e.g. `DATA_DIR/docs/metrics`.
    public let root: URL
    /// Comment lines after the marker (source, "do not edit"); the same on every run, so unchanged content stays
    /// byte-identical and the docs hash only moves when the catalog did.
    public let header: [String]

    public init(root: URL, header: [String]) {
        self.root = root
        self.header = header
    }

    /// Writes `files` (relative path → YAML body) and, when `removeStale`, deletes the generated files under `root`
    /// that are not among them (and folders this leaves empty). Paths must be relative, of `[a-z0-9_.-]` parts,
    /// and end in `.yml`; others are refused.
    public func publish(_ files: [String: String], removeStale: Bool) throws -> Outcome {
        var outcome = Outcome()
        for path in files.keys where !GeneratedDocs.isSafe(path) {
            throw GeneratedDocsError("refusing to write \(path) under \(root.path): not a plain relative .yml path")
        }
        for (path, body) in files.sorted(by: { $0.key < $1.key }) {
            let url = root.appendingPathComponent(path)
            let content = ([GeneratedDocs.marker] + header.map { "# " + $0 }).joined(separator: "\n") + "\n\n" + body
            if let existing = try? String(contentsOf: url, encoding: .utf8) {
                guard GeneratedDocs.isGenerated(existing) else {
                    outcome.handWritten.append(path)
                    continue
                }
                if existing == content {
                    outcome.unchanged.append(path)
                    continue
                }
            }
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(content.utf8).write(to: url, options: .atomic)
            } catch {
                throw GeneratedDocsError("could not write \(url.path): \(error.localizedDescription)")
            }
            outcome.written.append(path)
        }
        if removeStale {
            outcome.removed = removeGenerated(except: Set(files.keys))
        }
        return outcome
    }

    /// Deletes generated `.yml` files under `root` not in `keep`; returns their relative paths.
    private func removeGenerated(except keep: Set<String>) -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        let base = root.standardizedFileURL.path + "/"
        var removed: [String] = []
        var folders: Set<URL> = []
        for case let url as URL in enumerator where url.pathExtension == "yml" {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base) else { continue }
            let relative = String(path.dropFirst(base.count))
            guard !keep.contains(relative), let text = GeneratedDocs.firstLine(of: url), text == GeneratedDocs.marker else { continue }
            if (try? FileManager.default.removeItem(at: url)) != nil {
                removed.append(relative)
                folders.insert(url.deletingLastPathComponent().standardizedFileURL)
            }
        }
        for folder in folders where folder.path != root.standardizedFileURL.path {
            if let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.path), entries.isEmpty {
                try? FileManager.default.removeItem(at: folder)
            }
        }
        return removed.sorted()
    }

    /// Whether `text` is a generated file's content.
    static func isGenerated(_ text: String) -> Bool {
        text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) == marker
    }

    private static func firstLine(of url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 256) else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first
            .map(String.init)
    }

    /// A relative path of lower-case letters, digits, `_`, `-` and `.` parts (no `..`, no hidden files) ending in `.yml`.
    static func isSafe(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.hasSuffix(".yml"), !parts.isEmpty else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && !part.hasPrefix(".")
                && part.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                        || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                }
        }
    }
}

/// A generated doc could not be written; the message names the file.
public struct GeneratedDocsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
