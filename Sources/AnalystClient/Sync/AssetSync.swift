import AnalystAPI
import Foundation

/// The manifest's shared assets: docs (metric YAML, table docs) into `server/docs/` and the profiles of the tables
/// this user may read into `server/metadata/profiles.json`. Each is fetched only when its hash (or, for profiles,
/// the set of tables) changed.
struct AssetSync: Sendable {
    let client: APIClient
    let workspace: Workspace

    /// Brings `server/docs/` in line with the server's docs bundle; returns whether anything was fetched.
    func syncDocs(manifest: Manifest, state: inout LocalSyncState) async throws -> Bool {
        let remoteHash = manifest.assets?.docs?.hash
        guard remoteHash != state.docs_hash || (remoteHash != nil && !hasFiles(workspace.docsDirectory)) else { return false }
        var files: [String: Data] = [:]
        if remoteHash != nil {
            let bundle = try await client.get("/api/sync/assets/docs", as: Schemas.DocsBundle.self, timeout: .seconds(120))
            for file in bundle.files where AssetSync.isSafeRelativePath(file.path) {
                files[file.path] = Data(file.content.utf8)
            }
        }
        try replaceDocs(with: files)
        state.docs_hash = remoteHash
        return true
    }

    /// Refreshes `profiles.json` when the profiles changed or the readable tables did; returns whether it did.
    func syncProfiles(manifest: Manifest, state: inout LocalSyncState) async throws -> Bool {
        let remoteHash = manifest.assets?.profiles?.hash
        let tables = manifest.tables.keys.sorted()
        let present = FileManager.default.fileExists(atPath: workspace.profilesFile.path)
        guard remoteHash != state.profiles_hash || tables != (state.profiles_tables ?? []) || (remoteHash != nil && !present) else {
            return false
        }
        if remoteHash == nil {
            try? FileManager.default.removeItem(at: workspace.profilesFile)
        } else {
            let body = try await client.send(.GET, "/api/sync/assets/profiles", timeout: .seconds(120))
            // A cheap shape check instead of parsing megabytes that are only stored.
            guard body.first == UInt8(ascii: "{"), body.last == UInt8(ascii: "}") else {
                throw ClientError.server(status: 200, detail: "the server's profiles are not a JSON object")
            }
            try Workspace.writeAtomically(body, to: workspace.profilesFile)
        }
        state.profiles_hash = remoteHash
        state.profiles_tables = tables
        return true
    }

    /// Brings the corporate-memory files in `.claude/rules/` in line with the rules for this user: writes the server's
    /// files, removes those it wrote before that are gone (a revoked item's category), and never touches a file it
    /// did not write — an analyst's file with the same name is left and reported. Returns whether anything changed.
    func syncRules(manifest: Manifest, state: inout LocalSyncState) async throws -> Bool {
        let remoteHash = manifest.assets?.rules?.hash
        let written = Set(state.rules_files ?? [])
        let present = written.allSatisfy {
            FileManager.default.fileExists(atPath: workspace.rulesDirectory.appendingPathComponent($0).path)
        }
        guard remoteHash != state.rules_hash || !present else { return false }
        var files: [Schemas.KnowledgeRulesFile] = []
        if remoteHash != nil {
            files = try await client.get("/api/memory/rules", as: Schemas.KnowledgeRules.self).files
        }
        let directory = workspace.rulesDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var mine: [String] = []
        var skipped: [String] = []
        for file in files where KnowledgeRulesName.isValid(file.name) {
            let target = directory.appendingPathComponent(file.name)
            if !written.contains(file.name) && FileManager.default.fileExists(atPath: target.path) {
                skipped.append(file.name)
                continue
            }
            let data = Data(file.content.utf8)
            if FileManager.default.contents(atPath: target.path) != data { try Workspace.writeAtomically(data, to: target) }
            mine.append(file.name)
        }
        for name in written.subtracting(mine) where KnowledgeRulesName.isValid(name) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
        state.rules_hash = remoteHash
        state.rules_files = mine.isEmpty ? nil : mine.sorted()
        if !skipped.isEmpty {
            throw ClientError.server(
                status: 200,
                detail: "kept your own .claude/rules/\(skipped.joined(separator: ", ")): rename it to receive the team's rules of that name"
            )
        }
        return true
    }

    /// Writes `files` under `server/docs/` and deletes the files there that are not in it.
    private func replaceDocs(with files: [String: Data]) throws {
        let root = workspace.docsDirectory
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let base = root.standardizedFileURL.path
        if let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                let relative = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
                if files[relative] == nil { try? FileManager.default.removeItem(at: url) }
            }
        }
        for (path, data) in files {
            let target = root.appendingPathComponent(path)
            if FileManager.default.contents(atPath: target.path) != data {
                try Workspace.writeAtomically(data, to: target)
            }
        }
    }

    /// The rules file names the client accepts from a server: `corporate-memory-<slug>.md`, nothing that could leave
    /// the folder or hit an analyst's file.
    enum KnowledgeRulesName {
        static func isValid(_ name: String) -> Bool {
            guard name.hasPrefix("corporate-memory-"), name.hasSuffix(".md"), name.count <= 100 else { return false }
            let slug = name.dropFirst("corporate-memory-".count).dropLast(3)
            return !slug.isEmpty && !slug.hasPrefix("-")
                && slug.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
        }
    }

    private func hasFiles(_ directory: URL) -> Bool {
        !((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).isEmpty
    }

    /// A relative path with no `..`, no empty or hidden components and no absolute start: it stays inside `server/docs/`.
    static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") }
    }
}
