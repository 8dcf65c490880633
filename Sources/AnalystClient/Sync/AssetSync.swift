import AnalystAPI
import Crypto
import Foundation

/// One shared asset as fetched: unchanged, or what to write.
enum AssetUpdate<Value: Sendable>: Sendable {
    case unchanged
    case update(Value)
}

/// A new `profiles.json` and the readable tables it is for.
struct ProfilesUpdate: Sendable {
    /// The file's bytes; `nil`: the server has no profiles (the local file goes).
    var body: Data?
    /// `AssetSync.digest(ofTables:)` of the manifest's tables.
    var tables: String
}

/// What syncing the shared assets did.
struct AssetOutcome: Sendable {
    var docsUpdated = false
    var profilesUpdated = false
    var rulesUpdated = false
    /// What failed, by asset (`assets` for docs and profiles, `rules`), as the sync report lists errors.
    var errors: [(name: String, error: String)] = []
    /// The sync state the assets were synced from, with their fields brought up to date.
    var state: LocalSyncState

    /// Copies the asset fields into `target` (the sync's state, which the downloads changed meanwhile).
    func merge(into target: inout LocalSyncState) {
        target.docs_hash = state.docs_hash
        target.profiles_hash = state.profiles_hash
        target.profiles_tables_hash = state.profiles_tables_hash
        target.rules_hash = state.rules_hash
        target.rules_files = state.rules_files
    }
}

/// The manifest's shared assets: docs (metric YAML, table docs) into `server/docs/`, the profiles of the tables
/// this user may read into `server/metadata/profiles.json`, and the corporate-memory rules into `.claude/rules/`.
/// Each is fetched only when its hash (or, for profiles, the set of tables) changed. A sync runs this beside the
/// table downloads: the assets do not depend on them.
struct AssetSync: Sendable {
    let client: APIClient
    let workspace: Workspace

    /// Fetches (all at once) and writes every asset whose hash differs from `state`'s or whose files are missing.
    func sync(manifest: Manifest, state: LocalSyncState) async -> AssetOutcome {
        async let docs = Result(awaiting: { try await fetchDocs(manifest: manifest, state: state) })
        async let profiles = Result(awaiting: { try await fetchProfiles(manifest: manifest, state: state) })
        async let rules = Result(awaiting: { try await fetchRules(manifest: manifest, state: state) })
        var outcome = AssetOutcome(state: state)
        do {
            outcome.docsUpdated = try applyDocs(try await docs.get(), manifest: manifest, state: &outcome.state)
            outcome.profilesUpdated = try applyProfiles(try await profiles.get(), manifest: manifest, state: &outcome.state)
        } catch {
            outcome.errors.append(("assets", "\(error)"))
        }
        do {
            outcome.rulesUpdated = try applyRules(try await rules.get(), manifest: manifest, state: &outcome.state)
        } catch {
            outcome.errors.append(("rules", "\(error)"))
        }
        return outcome
    }

    private func fetchDocs(manifest: Manifest, state: LocalSyncState) async throws -> AssetUpdate<[String: Data]> {
        let remoteHash = manifest.assets?.docs?.hash
        guard remoteHash != state.docs_hash || (remoteHash != nil && !hasFiles(workspace.docsDirectory)) else { return .unchanged }
        var files: [String: Data] = [:]
        if remoteHash != nil {
            let bundle = try await client.get("/api/sync/assets/docs", as: Schemas.DocsBundle.self, timeout: .seconds(120))
            for file in bundle.files where AssetSync.isSafeRelativePath(file.path) {
                files[file.path] = Data(file.content.utf8)
            }
        }
        return .update(files)
    }

    private func fetchProfiles(manifest: Manifest, state: LocalSyncState) async throws -> AssetUpdate<ProfilesUpdate> {
        let remoteHash = manifest.assets?.profiles?.hash
        let tables = AssetSync.digest(ofTables: manifest.tables.keys)
        let present = FileManager.default.fileExists(atPath: workspace.profilesFile.path)
        guard remoteHash != state.profiles_hash || tables != state.profiles_tables_hash || (remoteHash != nil && !present) else {
            return .unchanged
        }
        guard remoteHash != nil else { return .update(ProfilesUpdate(body: nil, tables: tables)) }
        let body = try await client.send(.GET, "/api/sync/assets/profiles", timeout: .seconds(120))
        // A cheap shape check instead of parsing megabytes that are only stored.
        guard body.first == UInt8(ascii: "{"), body.last == UInt8(ascii: "}") else {
            throw ClientError.server(status: 200, detail: "the server's profiles are not a JSON object")
        }
        return .update(ProfilesUpdate(body: body, tables: tables))
    }

    /// SHA-256 of the sorted table ids: which tables a `profiles.json` covers, in 64 characters at any table count.
    static func digest(ofTables ids: some Collection<String>) -> String {
        var hasher = SHA256()
        for id in ids.sorted() {
            hasher.update(data: Data(id.utf8))
            hasher.update(data: Data([0]))
        }
        return hasher.finalize().hexString
    }

    private func fetchRules(manifest: Manifest, state: LocalSyncState) async throws -> AssetUpdate<[Schemas.KnowledgeRulesFile]> {
        let remoteHash = manifest.assets?.rules?.hash
        let present = (state.rules_files ?? []).allSatisfy {
            FileManager.default.fileExists(atPath: workspace.rulesDirectory.appendingPathComponent($0).path)
        }
        guard remoteHash != state.rules_hash || !present else { return .unchanged }
        guard remoteHash != nil else { return .update([]) }
        return .update(try await client.get("/api/memory/rules", as: Schemas.KnowledgeRules.self).files)
    }

    /// Brings `server/docs/` in line with the server's docs bundle; returns whether anything was fetched.
    private func applyDocs(_ update: AssetUpdate<[String: Data]>, manifest: Manifest, state: inout LocalSyncState) throws -> Bool {
        guard case .update(let files) = update else { return false }
        try replaceDocs(with: files)
        state.docs_hash = manifest.assets?.docs?.hash
        return true
    }

    /// Writes (or removes) `profiles.json` for the manifest's tables; returns whether it changed.
    private func applyProfiles(_ update: AssetUpdate<ProfilesUpdate>, manifest: Manifest, state: inout LocalSyncState) throws -> Bool {
        guard case .update(let profiles) = update else { return false }
        if let body = profiles.body {
            try Workspace.writeAtomically(body, to: workspace.profilesFile)
        } else {
            try? FileManager.default.removeItem(at: workspace.profilesFile)
        }
        state.profiles_hash = manifest.assets?.profiles?.hash
        state.profiles_tables_hash = profiles.tables
        return true
    }

    /// Brings the corporate-memory files in `.claude/rules/` in line with the rules for this user: writes the server's
    /// files, removes those it wrote before that are gone (a revoked item's category), and never touches a file it
    /// did not write — an analyst's file with the same name is left and reported. Returns whether anything changed.
    private func applyRules(_ update: AssetUpdate<[Schemas.KnowledgeRulesFile]>, manifest: Manifest, state: inout LocalSyncState) throws
        -> Bool
    {
        guard case .update(let files) = update else { return false }
        let written = Set(state.rules_files ?? [])
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
        state.rules_hash = manifest.assets?.rules?.hash
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
